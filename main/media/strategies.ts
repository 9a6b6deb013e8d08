/**
 * How a scan fetches its frames: which moments (main/media/sampling.ts defines them) and which ffmpeg route
 * reads them cheapest. Returns raw RGB frames at `size`×`size` (letterboxed) with their true timestamps.
 * The paper's other frame baselines (random, first, middle, last, first-middle-last) pick among cached frames and
 * are defined once, in main/ml/train/frames.ts; no scan uses them.
 */
import {
  FfmpegError,
  framesAt,
  framesAtRate,
  framesBySeeking,
  keyframesAtOrBefore,
  MediaError,
  type MediaCallOptions,
  type RawFrame,
} from './ffmpeg.ts';
import { keyframeTolerance, uniformTimes } from './sampling.ts';

export type Strategy = { kind: 'uniform'; k: number } | { kind: 'rate'; fps: number; maxFrames?: number };

/**
 * Above this duration per requested frame, seeking (one short decode per frame, ~55 ms process start each) beats
 * one pass over the whole file. Measured on this class of machine: a 60 s 360p clip decodes fully in ~0.7 s.
 */
export const SEEK_SECONDS_PER_FRAME = 6;

export interface SampleOptions extends MediaCallOptions {
  /**
   * Each frame of the result, once, as soon as it is certain to be in it: a long video's keyframe frames as each
   * group of seeks comes out of ffmpeg (a scan's CNN starts on them while the rest decode), the others when the
   * decode ends. The same objects as in the result, whose order (by time) may differ from the order heard.
   */
  onFrame?: (f: RawFrame) => void;
}

/**
 * `probe` is what probe said of the file: with its picture size too, each decode's time limit scales with the work
 * (a teacher decode of a long 4K video gets the time it needs, a stuck decode of a short clip is killed early).
 */
export async function sampleFrames(
  file: string,
  s: Strategy,
  size: number,
  probe: { durationS: number; fps: number | null; width?: number; height?: number },
  opts: SampleOptions = {},
): Promise<RawFrame[]> {
  const { onFrame, ...o } = opts;
  if (!o.video && probe.width && probe.height)
    o.video = { durationS: probe.durationS, fps: probe.fps, width: probe.width, height: probe.height };
  const heard = new Set<RawFrame>();
  const hear = (f: RawFrame) => {
    if (heard.has(f)) return;
    heard.add(f);
    onFrame?.(f);
  };
  const frames = await route();
  frames.forEach(hear); // whatever was not streamed
  return frames;

  function route(): Promise<RawFrame[]> {
    if (s.kind === 'rate') return framesAtRate(file, s.fps, s.maxFrames ?? 300, size, o);
    const times = uniformTimes(probe.durationS, s.k);
    const distinct = [...new Set(times.map((t) => t.toFixed(3)))].map(Number);
    if (!distinct.length) return framesAt(file, [0], size, o);
    return probe.durationS / distinct.length > SEEK_SECONDS_PER_FRAME
      ? framesNearKeyframes(file, distinct, size, keyframeTolerance(probe.durationS, s.k), { ...o, onFrame: hear })
      : framesAt(file, distinct, size, o);
  }
}

/**
 * A long video's frames: the keyframe at or before each time (one decoded frame each) where it lies less than
 * `tolerance` seconds away, else the exact frame by an accurate seek (sparse keyframes, or a container where the
 * keyframe seek gave nothing). Frames come back in time order, the keyframe ones marked `keyframe`; `onFrame` hears
 * each keyframe one as its group of seeks ends, each exact one as it is decoded.
 */
export async function framesNearKeyframes(
  file: string,
  timesS: number[],
  size: number,
  tolerance: number,
  o: SampleOptions = {},
): Promise<RawFrame[]> {
  const sorted = [...timesS].sort((a, b) => a - b);
  const close = (f: RawFrame | null, i: number): f is RawFrame => !!f && Math.abs(f.timeS - sorted[i]) < tolerance;
  const near = await keyframesAtOrBefore(file, sorted, size, o, (first, slots) =>
    slots.forEach((f, j) => close(f, first + j) && o.onFrame?.(f)),
  );
  const miss = sorted.filter((_, i) => !close(near[i], i));
  const got = near.filter(close);
  let exact: RawFrame[] = [];
  if (miss.length) {
    try {
      // counted after the keyframes kept
      exact = await framesBySeeking(file, miss, size, {
        ...o,
        onFrames: o.onFrames && ((n) => o.onFrames!(got.length + n)),
        onFrame: o.onFrame,
      });
    } catch (e) {
      // every exact seek failed: what the keyframes gave is still the video's picture
      if (!(e instanceof MediaError) || !got.length || (e instanceof FfmpegError && e.failure === 'timeout')) throw e;
    }
  }
  const all = [...got, ...exact].sort((a, b) => a.timeS - b.timeS);
  if (!all.length) throw new MediaError('no frames could be decoded');
  return all;
}

/** How many frames `sampleFrames` gives for a video of `durationS` (the total a scan's progress counts towards). */
export function expectedFrames(s: Strategy, durationS: number): number {
  if (s.kind === 'uniform') return Math.max(1, new Set(uniformTimes(durationS, s.k).map((t) => t.toFixed(3))).size);
  return Math.max(1, Math.min(s.maxFrames ?? 300, Math.round(durationS * s.fps)));
}
