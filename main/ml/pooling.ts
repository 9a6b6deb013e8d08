/** Turning per-frame class scores into video tags without a learned video model (the slice's baseline). */
import { COCO80 } from '../../shared/coco.ts';
import { TAG_STORE_FLOOR } from '../../shared/tags.ts';
import { classScoresOf, NUM_CLASSES } from './frame-vector.ts';

/**
 * Per-class max over frames: the naive detector, and the "best looked-at frame" a tag's support is checked on.
 * `width` (default: the first frame's length) fixes the output length, so no frames gives zeros, not nothing.
 */
export function maxPool(perFrame: ArrayLike<number>[], width = perFrame[0]?.length ?? 0): Float64Array {
  const out = new Float64Array(width);
  for (const f of perFrame) for (let c = 0; c < out.length; c++) if (f[c] > out[c]) out[c] = f[c];
  return out;
}

/**
 * The naive detector on raw cached frame vectors: per-class max of the class scores (the tail of each
 * [embedding | class scores] vector, see frame-vector.ts) over the given frames; `classes` zeros for no frames.
 */
export function detectorMaxPool(frames: ArrayLike<number>[], classes = NUM_CLASSES): Float64Array {
  return maxPool(
    frames.map((f) => classScoresOf(f, classes)),
    classes,
  );
}

export function scoresToTags(
  scores: ArrayLike<number>,
  floor = TAG_STORE_FLOOR,
  names: readonly string[] = COCO80,
): { tag: string; score: number }[] {
  const tags: { tag: string; score: number }[] = [];
  for (let c = 0; c < scores.length; c++) if (scores[c] >= floor) tags.push({ tag: names[c], score: Math.round(scores[c] * 1e4) / 1e4 });
  return tags.sort((a, b) => b.score - a.score);
}
