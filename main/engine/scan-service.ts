/**
 * Scanning one video: probe, decode the frames the chosen model looks at, run the frame CNNs, pool, and store
 * everything in one transaction. The student looks at k uniformly spaced frames; the teacher at 1 fps.
 */
import path from 'node:path';
import { framesAt, framesAtRate, MediaError, probe, writeThumbnail } from '../media/ffmpeg.ts';
import { posterFrameIndex, uniformTimes } from '../media/sampling.ts';
import { CNN_INPUT } from '../ml/frame-cnn.ts';
import type { CnnClient } from '../ml/cnn-client.ts';
import { maxPool, scoresToTags } from '../ml/pooling.ts';
import type { LibraryRepo, VideoRow } from '../store/library-repo.ts';
import type { ScansRepo } from '../store/scans-repo.ts';

/**
 * The teacher samples at `teacherFps` (1 fps, as YouTube-8M), but short clips are sampled densely enough to give it
 * at least `teacherMinFrames` (never above the native rate), and never more than `teacherMaxFrames` (YouTube-8M's 300).
 */
export interface ScanSettings { k: number; teacherFps: number; teacherMinFrames: number; teacherMaxFrames: number }
export const DEFAULT_SCAN_SETTINGS: ScanSettings = { k: 10, teacherFps: 1, teacherMinFrames: 60, teacherMaxFrames: 300 };

export function teacherRate(s: ScanSettings, durationS: number, nativeFps: number | null): number {
  const want = Math.max(s.teacherFps, s.teacherMinFrames / durationS);
  return Math.round(Math.min(want, nativeFps ?? want) * 1000) / 1000;
}

export interface ScanOutcome { ok: boolean; error?: string; seconds: number; decodeSeconds: number; cnnSeconds: number; frames: number }

export class ScanService {
  constructor(
    private library: LibraryRepo,
    private scans: ScansRepo,
    private cnn: () => Promise<CnnClient>,
    private thumbDir: string,
    private settings: ScanSettings = DEFAULT_SCAN_SETTINGS,
  ) {}

  async scan(video: VideoRow, kind: 'student' | 'teacher'): Promise<ScanOutcome> {
    const t0 = performance.now();
    try {
      const p = await probe(video.path);
      this.library.setProbe(video.id, p);
      const frames = kind === 'student'
        ? await framesAt(video.path, uniformTimes(p.durationS, this.settings.k), CNN_INPUT)
        : await framesAtRate(video.path, teacherRate(this.settings, p.durationS, p.fps), this.settings.teacherMaxFrames, CNN_INPUT);
      const t1 = performance.now();
      const cnn = await this.cnn();
      const t2 = performance.now();
      const features = await cnn.run(frames.map((f) => f.rgb));
      const t3 = performance.now();
      let thumbnail = video.thumbnail;
      if (kind === 'student' || !thumbnail) {
        thumbnail = path.join(this.thumbDir, `${video.id}.jpg`);
        await writeThumbnail(video.path, frames[posterFrameIndex(frames.map((f) => f.rgb))].timeS, thumbnail);
      }
      const pooled = maxPool(features.map((f) => f.classScores));
      const seconds = (performance.now() - t0 - (t2 - t1)) / 1000; // model start-up is paid once, not per video
      this.scans.saveScan({
        videoId: video.id, kind, model: `${kind === 'student' ? `uniform-${this.settings.k}` : `all@${teacherRate(this.settings, p.durationS, p.fps)}fps`}+maxpool`,
        seconds, decodeSeconds: (t1 - t0) / 1000, cnnSeconds: (t3 - t2) / 1000,
        frames: frames.map((f, i) => ({ timeS: f.timeS, embedding: features[i].embedding, classScores: features[i].classScores })),
        tags: scoresToTags(pooled),
      }, () => this.library.setOk(video.id, thumbnail));
      return { ok: true, seconds, decodeSeconds: (t1 - t0) / 1000, cnnSeconds: (t3 - t2) / 1000, frames: frames.length };
    } catch (e) {
      if (!(e instanceof MediaError)) throw e;
      this.library.setError(video.id, e.message);
      return { ok: false, error: e.message, seconds: (performance.now() - t0) / 1000, decodeSeconds: 0, cnnSeconds: 0, frames: 0 };
    }
  }
}
