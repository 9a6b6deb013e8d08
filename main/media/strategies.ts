/**
 * How a scan fetches its frames: which moments (main/media/sampling.ts defines them) and which ffmpeg route
 * reads them cheapest. Returns raw RGB frames at `size`×`size` (letterboxed) with their true timestamps.
 * The paper's other frame baselines (random, first, middle, last, first-middle-last) pick among cached frames and
 * are defined once, in main/ml/train/frames.ts; no scan uses them.
 */
import { framesAt, framesAtRate, framesBySeeking, type MediaCallOptions, type RawFrame } from './ffmpeg.ts';
import { uniformTimes } from './sampling.ts';

export type Strategy = { kind: 'uniform'; k: number } | { kind: 'rate'; fps: number; maxFrames?: number };

/**
 * Above this duration per requested frame, seeking (one short decode per frame, ~55 ms process start each) beats
 * one pass over the whole file. Measured on this class of machine: a 60 s 360p clip decodes fully in ~0.7 s.
 */
export const SEEK_SECONDS_PER_FRAME = 6;

export async function sampleFrames(
  file: string,
  s: Strategy,
  size: number,
  probe: { durationS: number; fps: number | null },
  o: MediaCallOptions = {},
): Promise<RawFrame[]> {
  if (s.kind === 'rate') return framesAtRate(file, s.fps, s.maxFrames ?? 300, size, o);
  const times = uniformTimes(probe.durationS, s.k);
  const distinct = [...new Set(times.map((t) => t.toFixed(3)))].map(Number);
  return probe.durationS / Math.max(1, distinct.length) > SEEK_SECONDS_PER_FRAME && distinct.length > 0
    ? framesBySeeking(file, distinct, size, o)
    : framesAt(file, distinct, size, o);
}
