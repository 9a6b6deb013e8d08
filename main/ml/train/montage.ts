/**
 * Montage augmentation for small libraries: a synthetic training video is a concatenation of contiguous
 * segments cut from different real videos; its labels are the union of theirs. Works on cached frame
 * features only (no video decoding). Build montages from the training split only, never from held-out clips.
 */
import type { Rng } from '../rng.ts';

export interface MontageOptions {
  count: number;
  /** segments per montage, inclusive range */
  segments?: [number, number];
  /** each segment's share of its source video, inclusive range */
  segmentFraction?: [number, number];
}

export interface FrameData {
  features: ArrayLike<number>[][];
  labels: number[][];
}

export function montage(data: FrameData, rng: Rng, o: MontageOptions): FrameData {
  const n = data.features.length;
  const [sMin, sMax] = o.segments ?? [2, 3];
  const [fMin, fMax] = o.segmentFraction ?? [0.3, 0.6];
  const out: FrameData = { features: [], labels: [] };
  if (n < 2) return out;
  for (let i = 0; i < o.count; i++) {
    const s = Math.min(n, sMin + rng.int(sMax - sMin + 1));
    const sources = rng.shuffle(Array.from({ length: n }, (_, j) => j)).slice(0, s);
    const frames: ArrayLike<number>[] = [];
    const labels = new Array<number>(data.labels[0].length).fill(0);
    for (const v of sources) {
      const src = data.features[v];
      if (!src.length) continue;
      const len = Math.max(1, Math.round(src.length * (fMin + rng.next() * (fMax - fMin))));
      const start = rng.int(src.length - len + 1);
      frames.push(...src.slice(start, start + len));
      // a segment is assumed to show its source's labels; short segments can miss an object, the price of
      // having no per-frame labels
      data.labels[v].forEach((y, c) => {
        if (y > 0.5) labels[c] = 1;
      });
    }
    out.features.push(frames);
    out.labels.push(labels);
  }
  return out;
}
