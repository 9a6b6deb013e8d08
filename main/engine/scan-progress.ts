/**
 * A scan's progress as the job reports it: one unit per video, and inside the video the scan waits for, its frames
 * (decoded by ffmpeg, then run through the CNN) as a fraction of that unit and a step "frame 40 of 300". Without
 * it a teacher scan of a single clip sat at 0 of 1 for half a minute (issue 13). Everything goes through the job's
 * one progress call, so the CLI bar, the SSE stream and the app's job bar all show it.
 */
import type { JobContext } from '../jobs/queue.ts';
import type { FrameProgress } from './scan-service.ts';

/**
 * The share of a video's unit its decode fills, the CNN the rest. The CNN dominates a scan on this class of machine
 * (a teacher scan of 60 frames: ~2 s of decoding, ~30 s of CNN on wasm), and the decode of the next video mostly
 * runs while the CNN works on this one.
 */
export const DECODE_SHARE = 0.25;

/** Frame-level updates at most this often (a video's end and its decode's end always land at once): 4 a second moves a bar smoothly. */
export const FRAME_UPDATE_MS = 250;

export class ScanProgress {
  /** the fraction of video `front` reported so far (never goes back) */
  private fraction = 0;
  private front = 0;
  private lastAt = 0;

  constructor(
    private ctx: JobContext,
    private total: number,
  ) {}

  /** A video finished (tagged or not): `done` videos of the scan are. */
  video(done: number, message: string): void {
    this.front = done;
    this.fraction = 0;
    this.lastAt = 0; // the next video's first frames show at once
    this.ctx.progress(done, this.total, message);
  }

  /** Frames of the video the scan waits for; throttled, monotonic, never past the video's own unit. */
  frames(p: FrameProgress): void {
    if (p.index !== this.front || this.ctx.signal.aborted) return;
    const of = Math.max(1, p.total);
    const part = Math.min(1, p.done / of);
    const fraction = p.stage === 'decode' ? DECODE_SHARE * part : DECODE_SHARE + (1 - DECODE_SHARE) * part;
    // below 1: the video's unit is counted whole only when it is saved (`video`)
    const f = Math.min(fraction, 0.999);
    if (f <= this.fraction && p.done > 0) return;
    const now = Date.now();
    // The decode's end always shows (it is one event a video): a short clip decodes inside one throttle window, and
    // the bar would jump from "decoding frame 0" straight to "analysing".
    const decodeEnd = p.stage === 'decode' && p.done >= of;
    if (now - this.lastAt < FRAME_UPDATE_MS && !decodeEnd) return;
    this.lastAt = now;
    this.fraction = Math.max(this.fraction, f);
    const n = Math.min(p.done, of);
    const verb = p.stage === 'decode' ? 'decoding' : 'analysing';
    this.ctx.progress(
      p.index + this.fraction,
      this.total,
      `video ${p.index + 1} of ${this.total} · ${verb} frame ${n} of ${of} · ${p.video.name}`,
      { what: p.stage === 'decode' ? 'frames decoded' : 'frames analysed', done: n, total: of },
    );
  }
}
