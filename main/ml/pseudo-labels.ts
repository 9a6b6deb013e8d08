/**
 * Labels for videos nobody tagged: the full-frame scan's own per-frame class scores, aggregated so one
 * spurious detection does not become a tag. Class c is present when score ≥ τ in at least m frames.
 */
import { classScoresOf, NUM_CLASSES } from './frame-vector.ts';

export interface PseudoLabelOptions {
  /** score threshold τ */
  tau?: number;
  /** minimum number of frames m at or above τ */
  minFrames?: number;
  /** alternatively a minimum fraction of the video's frames; the larger requirement wins */
  minFraction?: number;
}

/** frameScores: per frame, per class scores → multi-hot labels. */
export function pseudoLabels(frameScores: ArrayLike<number>[], o: PseudoLabelOptions = {}): number[] {
  const tau = o.tau ?? 0.5;
  const need = Math.max(o.minFrames ?? 2, Math.ceil((o.minFraction ?? 0) * frameScores.length), 1);
  const C = frameScores[0]?.length ?? 0;
  const counts = new Array<number>(C).fill(0);
  for (const f of frameScores) for (let c = 0; c < C; c++) if (f[c] >= tau) counts[c]++;
  return counts.map((n) => (n >= need ? 1 : 0));
}

/** The class scores of each cached frame vector (the tail of [embedding | scores], see frame-vector.ts). */
export function scoresOf(frames: ArrayLike<number>[], classes = NUM_CLASSES): ArrayLike<number>[] {
  return frames.map((f) => classScoresOf(f, classes));
}
