/**
 * Scanning one video: probe, decode the frames the chosen model looks at, run the frame CNNs, pool, and store
 * everything in one transaction. The student looks at k uniformly spaced frames; the teacher at 1 fps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelFamily } from '../../shared/api.ts';
import { asMediaError, type MediaError, letterboxContent, posterJpeg, probe, writeFrameJpegs } from '../media/ffmpeg.ts';
import { tempPathFor } from '../core/atomic-write.ts';
import { frameJpegPath } from '../media/cache.ts';
import { expectedFrames, sampleFrames, type Strategy } from '../media/strategies.ts';
import { posterFrameIndex } from '../media/sampling.ts';
import { CNN_INPUT, FRAME_PIPELINE } from '../ml/frame-cnn.ts';
import { joinFrameVector } from '../ml/frame-vector.ts';
import { CnnRun, type CnnClient } from '../ml/cnn-client.ts';
import { maxPool, scoresToTags } from '../ml/pooling.ts';
import type { Tagger } from '../ml/tagger.ts';
import type { JobContext } from '../jobs/queue.ts';
import type { ProbeResult, RawFrame } from '../media/ffmpeg.ts';
import type { LibraryRepo, VideoRow } from '../store/library-repo.ts';
import type { ScansRepo } from '../store/scans-repo.ts';
import { envNumber } from '../core/env.ts';
import { diskFullError, isDiskFull } from '../store/db.ts';

/**
 * The teacher samples at `teacherFps` (1 fps, as YouTube-8M), but short clips are sampled densely enough to give it
 * at least `teacherMinFrames` (never above the native rate), and never more than `teacherMaxFrames` (YouTube-8M's 300).
 */
export interface ScanSettings {
  k: number;
  teacherFps: number;
  teacherMinFrames: number;
  teacherMaxFrames: number;
  /** video-model family to use; null = the shipped default */
  family: ModelFamily | null;
  /**
   * Videos decoded by ffmpeg ahead of (and in parallel with) the CNN worker. Default: the cores left after the
   * CNN worker's one, at least 1, at most 4 (env GLIMPSE_DECODERS; CLI --concurrency).
   */
  decoders?: number;
  /**
   * Decoded frames held at once by a many-video scan: the video at the CNN plus those decoded ahead (each 512²
   * RGB frame is 768 KiB; default 600 ≈ 450 MiB, env GLIMPSE_MAX_FRAMES_IN_FLIGHT). Bounds memory whatever the
   * decoder count: a teacher scan (up to 300 frames a video) decodes one video ahead, a student (k) up to `decoders`.
   */
  maxFramesInFlight?: number;
}
export const DEFAULT_SCAN_SETTINGS: ScanSettings = {
  k: 10,
  teacherFps: 1,
  teacherMinFrames: 60,
  teacherMaxFrames: 300,
  family: null,
  decoders: envNumber('GLIMPSE_DECODERS', Math.max(1, Math.min(4, (os.availableParallelism?.() ?? 2) - 1)), { min: 1 }),
  maxFramesInFlight: envNumber('GLIMPSE_MAX_FRAMES_IN_FLIGHT', 600, { min: 1 }),
};

/** How a scan sampled its frames, as stored in `scans.model` before the model name (`uniform-10`, `all@1fps`). */
export function samplingName(kind: 'student' | 'teacher', s: ScanSettings, p: { durationS: number; fps: number | null } | null): string {
  return kind === 'student' ? `uniform-${s.k}` : `all@${p ? teacherRate(s, p.durationS, p.fps) : '?'}fps`;
}

/** The video model's part of `scans.model`: its name, or `maxpool` when none fits (the detector's max over frames). */
function taggerName(t: Tagger | null): string {
  return t ? t.name : 'maxpool';
}

/**
 * Videos decoded ahead of the one at the CNN: `decoders`, cut so that they and the one at the CNN hold at most
 * `maxFramesInFlight` frames between them (a video's frames counted at their most: k, or the teacher's cap);
 * always at least one, so decode and inference still overlap.
 */
export function decodeAhead(s: ScanSettings, kind: 'student' | 'teacher'): number {
  const perVideo = Math.max(1, kind === 'student' ? s.k : s.teacherMaxFrames);
  const budget = s.maxFramesInFlight ?? DEFAULT_SCAN_SETTINGS.maxFramesInFlight!;
  return Math.max(1, Math.min(Math.floor(s.decoders ?? 1), Math.floor(budget / perVideo) - 1));
}

export function teacherRate(s: ScanSettings, durationS: number, nativeFps: number | null): number {
  const want = Math.max(s.teacherFps, s.teacherMinFrames / durationS);
  return Math.round(Math.min(want, nativeFps ?? want) * 1000) / 1000;
}

export interface ScanOutcome {
  ok: boolean;
  error?: string;
  /** the failure was the machine's (timeout, disk full, permission): the video stays pending and is retried */
  retryable?: boolean;
  /** tagged, but something is off (e.g. most of a truncated file could not be decoded) */
  warning?: string;
  seconds: number;
  decodeSeconds: number;
  cnnSeconds: number;
  modelSeconds: number;
  frames: number;
  /** of `frames`, how many are the keyframe near the wanted time rather than the exact frame (long videos) */
  keyframeFrames?: number;
}

/**
 * Where a scan is inside one video: frames decoded by ffmpeg, then frames run through the CNN. `total` is what the
 * sampling asks for while decoding (the decoder may give a few more or fewer), the frames decoded at the CNN.
 */
export interface FrameProgress {
  /** the video's position in the scan's list */
  index: number;
  video: VideoRow;
  stage: 'decode' | 'cnn';
  done: number;
  total: number;
}
type OnFrames = (stage: FrameProgress['stage'], done: number, total: number) => void;

/** A video after the ffmpeg half of its scan, waiting for the CNN half. */
interface Decoded {
  video: VideoRow;
  kind: 'student' | 'teacher';
  settings: ScanSettings;
  probe: ProbeResult;
  frames: RawFrame[];
  thumbnail: string | null;
  /** whether the scan (re)writes the poster at `thumbnail` */
  poster: boolean;
  /** performance.now() when its decode started, and how long it took */
  decodeStart: number;
  decodeSeconds: number;
  warning: string | null;
  /** the folder the decode wrote the frames' JPEGs into (`RawFrame.jpegs`; a student's scan), removed after the scan */
  picturesDir: string | null;
}

/** Frame pictures (the video page's strip) and the poster are these many pixels wide at most. */
const FRAME_PICTURE_WIDTH = 240;
const POSTER_WIDTH = 320;

function sameArea(a: { x: number; y: number; w: number; h: number }, b: typeof a): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

/** The picture area of a video's letterboxed CNN frame: what its poster and frame pictures show. */
function pictureArea(p: ProbeResult): { x: number; y: number; w: number; h: number } {
  // probe's width and height are the displayed size (rotation applied), the shape ffmpeg decoded
  return letterboxContent(p.width || 1, p.height || 1, CNN_INPUT);
}

/**
 * One video's frames on their way from ffmpeg to the CNN. The decode pushes each frame the moment it is certain (a
 * long video's keyframe groups one by one); once the scan waits for this video, its CNN run is attached and gets the
 * frames already there and every later one, so the CNN starts while ffmpeg still decodes the rest.
 */
class FrameFeed {
  /** in the order heard (`sampleFrames`' result orders them by time) */
  readonly frames: RawFrame[] = [];
  /** what the sampling asks for, then what the decode gave: the CNN stage's total */
  total = 0;
  run: CnnRun | null = null;
  push = (f: RawFrame): void => {
    this.frames.push(f);
    this.run?.push(f.rgb);
  };
  attach(run: CnnRun): CnnRun {
    this.run = run;
    run.push(...this.frames.map((f) => f.rgb));
    return run;
  }
}

/** What the decode stage of one video ends with: frames for the CNN, an outcome without them, or a thrown error. */
type Stage1 = Decoded | ScanOutcome | { fatal: unknown };

/**
 * The video's CNN run gets no more frames once its decode ended without any to come (it failed or threw) or the job
 * was cancelled: it is abandoned, so it neither waits for frames nor leaves an unhandled rejection.
 */
function settleRun(run: CnnRun, d: Stage1, signal?: AbortSignal): void {
  if (signal?.aborted || 'fatal' in d || 'ok' in d) run.abandon();
}

/** A decoded video the scan will not analyse (the job ended first): the JPEGs its decode wrote go. */
function dropDecoded(d: Stage1): void {
  if ('picturesDir' in d && d.picturesDir) fs.rmSync(d.picturesDir, { recursive: true, force: true });
}

export class ScanService {
  constructor(
    private library: LibraryRepo,
    private scans: ScansRepo,
    private cnn: () => Promise<CnnClient>,
    private thumbDir: string,
    /** the current settings, read at each scan (the user may change k or the family while the app runs) */
    private settings: () => ScanSettings = () => DEFAULT_SCAN_SETTINGS,
    /** the video model of a scan kind; null ⇒ no model fits and the detector's max over frames is used */
    private tagger: (kind: 'student' | 'teacher') => Promise<Tagger | null> = async () => null,
    /** the media cache folder: the student's frame JPEGs are written there at scan time (none when absent) */
    private framesCacheDir?: string,
  ) {}

  /**
   * Which stored scans of `kind` are current, i.e. what a scan with today's settings and video model would make:
   * the same sampling and model name (a GLOB on `scans.model`; the teacher's rate varies per video), made after the
   * model's files were last written (a retrained model keeps its name). A scan of the whole library skips videos
   * holding a current scan, so a killed or cancelled one, student or teacher, resumes where it stopped.
   */
  async currentScan(kind: 'student' | 'teacher'): Promise<{ modelGlob: string; since: string | null }> {
    const tagger = await this.tagger(kind);
    const glob = (x: string) => x.replace(/[*?[]/g, (c) => `[${c}]`);
    const sampling = kind === 'student' ? glob(samplingName(kind, this.settings(), null)) : 'all@*fps';
    let since: string | null = null;
    if (tagger) {
      const newest = fs
        .readdirSync(tagger.dir)
        .map((f) => fs.statSync(path.join(tagger.dir, f), { throwIfNoEntry: false })?.mtimeMs ?? 0)
        .reduce((a, b) => Math.max(a, b), 0);
      since = new Date(newest).toISOString();
    }
    return { modelGlob: `${sampling}+${glob(taggerName(tagger))}`, since };
  }

  /** One video, start to finish. */
  async scan(video: VideoRow, kind: 'student' | 'teacher', o: { embed?: boolean } = {}): Promise<ScanOutcome> {
    const feed = new FrameFeed();
    const settings = this.settings();
    const run = feed.attach(this.cnnRun(kind, settings, o.embed, feed));
    const d = await this.decode(video, kind, settings, feed).catch((fatal: unknown) => ({ fatal }));
    settleRun(run, d);
    if ('fatal' in d) throw d.fatal;
    return 'ok' in d ? d : this.infer(d, run, feed);
  }

  /**
   * The CNN run of one video: it starts the pool (and reads the video model, which says whether frames are embedded)
   * at once, and runs each frame as the feed gets it.
   */
  private cnnRun(
    kind: 'student' | 'teacher',
    settings: ScanSettings,
    embed: boolean | undefined,
    feed: FrameFeed,
    signal?: AbortSignal,
    onFrames?: OnFrames,
    gate?: () => Promise<void>,
  ): CnnRun {
    const pool = Promise.all([this.cnn(), this.tagger(kind)]).then(([client, tagger]) => ({
      client,
      // Evidence models (and the detector fallback) read class scores only: the embedding is skipped.
      embed: embed ?? (tagger?.manifest.family ?? settings.family ?? 'evidence') !== 'evidence',
    }));
    return new CnnRun(pool, { signal, gate, onFrames: onFrames && ((n) => onFrames('cnn', n, Math.max(n, feed.total))) });
  }

  /**
   * Many videos as a two-stage pipeline: up to `decodeAhead` ffmpeg decodes (probe, frames, poster) run ahead
   * while the CNN workers run inference on the current video (memory bounded by `maxFramesInFlight`), so the
   * cores are busy with both; once a video's last frame is at a worker, the next video's frames take the workers
   * that free up (not while the job is paused). Videos are committed in order, one transaction each; pause is honoured between
   * videos; cancel kills the decodes in flight and stops the CNN after the frames at work, mid-video.
   * `onFrames` hears the frames of the video the scan waits for (the first not finished), decoded then analysed.
   */
  async scanAll(
    videos: VideoRow[],
    kind: 'student' | 'teacher',
    ctx: JobContext,
    onVideo: (video: VideoRow, outcome: ScanOutcome, done: number) => void,
    o: { embed?: boolean; onFrames?: (p: FrameProgress) => void } = {},
  ): Promise<void> {
    const ahead = decodeAhead(this.settings(), kind);
    const inflight = new Map<number, { feed: FrameFeed; settings: ScanSettings; decoded: Promise<Stage1> }>();
    let front = 0; // the video the scan waits for: only its frames are reported (those decoded ahead are not)
    let turn = -1; // the last video past its checkpoint (a pause): its CNN run sends frames whatever the job's state
    const framesOf =
      (i: number): OnFrames =>
      (stage, done, total) => {
        if (i === front) o.onFrames?.({ index: i, video: videos[i], stage, done, total });
      };
    const launch = (i: number) => {
      if (i >= videos.length || ctx.signal.aborted) return;
      const feed = new FrameFeed();
      const settings = this.settings(); // one snapshot per video: sampling, embedding and the stored model name agree
      const decoded = this.decode(videos[i], kind, settings, feed, ctx.signal, framesOf(i)).catch((fatal: unknown) => ({ fatal }));
      inflight.set(i, { feed, settings, decoded });
    };
    /** The CNN run of video `i` once its decode is launched (the same run however often asked). */
    const attach = (i: number): CnnRun | undefined => {
      const f = inflight.get(i);
      if (!f || ctx.signal.aborted) return f?.feed.run ?? undefined;
      // Started ahead of its turn, a run sends frames only while the job runs: a paused scan stops at the next
      // video, not after it. Its turn's own pause is the loop's checkpoint, between videos.
      const gate = () => (i <= turn ? Promise.resolve() : ctx.checkpoint());
      return f.feed.run ?? f.feed.attach(this.cnnRun(kind, f.settings, o.embed, f.feed, ctx.signal, framesOf(i), gate));
    };
    for (let i = 0; i < ahead; i++) launch(i);
    try {
      for (let i = 0; i < videos.length; i++) {
        front = i;
        await ctx.checkpoint();
        if (ctx.signal.aborted) return;
        turn = i;
        if (!inflight.has(i)) launch(i);
        const { feed, decoded } = inflight.get(i)!;
        // The CNN takes this video's frames as they are decoded (those decoded ahead at once).
        const run = attach(i)!;
        const d = await decoded;
        inflight.delete(i);
        settleRun(run, d, ctx.signal);
        if (ctx.signal.aborted) return dropDecoded(d); // its decode may have been killed: the video stays pending
        launch(i + ahead); // keep the decoders busy while the CNN works on this one
        if ('fatal' in d) throw d.fatal;
        // All its frames are decoded. Once the last is at a worker, the next video's run takes each worker that frees
        // up, so none idles while this video's last frames finish, its model runs and it commits (measured: a worker
        // idle ~11% of a library scan). Frames decoded ahead are in memory anyway; commits stay in order.
        void run.end();
        void run.allSent().then(() => attach(i + 1));
        let outcome: ScanOutcome;
        try {
          outcome = 'ok' in d ? d : await this.infer(d, run, feed, ctx.signal, framesOf(i));
        } catch (e) {
          if (ctx.signal.aborted) return; // cancelled at the CNN: nothing of this video was saved, it stays pending
          throw e;
        }
        onVideo(videos[i], outcome, i + 1);
      }
    } finally {
      for (const f of inflight.values()) f.feed.run?.abandon(); // a run taken on ahead of its turn: no CNN work after the job
      // never leave an ffmpeg writing after the job ended, nor the pictures of a video decoded ahead and never scanned
      await Promise.allSettled([...inflight.values()].map((f) => f.decoded.then(dropDecoded)));
    }
  }

  /** The ffmpeg half: probe, decode the frames, write the poster. A file ffmpeg cannot use is recorded here. */
  private async decode(
    video: VideoRow,
    kind: 'student' | 'teacher',
    settings: ScanSettings,
    feed: FrameFeed,
    signal?: AbortSignal,
    onFrames?: OnFrames,
  ): Promise<Decoded | ScanOutcome> {
    const t0 = performance.now();
    let picturesDir: string | null = null;
    try {
      const p = await probe(video.path, { signal });
      this.library.setProbe(video.id, p);
      // A student's poster and frame pictures are written by the decoding ffmpeg (see `pictures`); the teacher's 300
      // frames are not, it writes a poster only for a video that has none.
      if (kind === 'student') {
        picturesDir = this.picturesDir(video);
        fs.mkdirSync(picturesDir, { recursive: true });
      }
      const widths = [...(this.framesCacheDir ? [FRAME_PICTURE_WIDTH] : []), POSTER_WIDTH];
      const strategy: Strategy =
        kind === 'student'
          ? { kind: 'uniform', k: settings.k }
          : { kind: 'rate', fps: teacherRate(settings, p.durationS, p.fps), maxFrames: settings.teacherMaxFrames };
      const expected = expectedFrames(strategy, p.durationS);
      feed.total = expected;
      onFrames?.('decode', 0, expected);
      // sampleFrames picks the cheapest route: one decode pass for short clips, keyframe seeking for long ones. The
      // probe sizes each decode's time limit to its work.
      const frames = await sampleFrames(video.path, strategy, CNN_INPUT, p, {
        signal,
        ...(picturesDir ? { pictures: { dir: picturesDir, area: pictureArea(p), widths } } : {}),
        onFrames: onFrames && ((n) => onFrames('decode', n, Math.max(n, expected))),
        onFrame: feed.push,
      });
      feed.total = frames.length;
      onFrames?.('decode', frames.length, frames.length); // the decode's end, whatever the sampling expected
      // The poster is one of the frames just decoded, encoded while the CNN runs (see `pictures`): no second read.
      const poster = kind === 'student' || !video.thumbnail;
      const thumbnail = poster ? path.join(this.thumbDir, `${video.id}.jpg`) : video.thumbnail;
      const warning = kind === 'student' ? truncationWarning(p.durationS, frames) : null;
      const decodeSeconds = (performance.now() - t0) / 1000;
      const decoded = { video, kind, settings, probe: p, frames, thumbnail, poster, decodeStart: t0, decodeSeconds, warning, picturesDir };
      picturesDir = null; // the scan's now: removed when it ends (`pictures`, or `dropDecoded`)
      return decoded;
    } catch (e) {
      if (isDiskFull(e)) throw this.diskFull(video, e);
      const me = asMediaError(e);
      if (!me) throw e;
      return this.failed(video, me, t0);
    } finally {
      if (picturesDir) fs.rmSync(picturesDir, { recursive: true, force: true }); // a decode that failed: its pictures too
    }
  }

  /** A new temp folder name for one scan's pictures (a name the start-up sweep removes if this process is killed). */
  private picturesDir(video: VideoRow): string {
    return tempPathFor(path.join(this.framesCacheDir ? path.join(this.framesCacheDir, 'frames') : this.thumbDir, `scan-${video.id}`));
  }

  /**
   * The CNN half: the frame features `run` computed from `feed` (whether they include the MobileNetV2 embedding was
   * decided when the run started, see `cnnRun`), the video model, one transaction.
   */
  private async infer(d: Decoded, run: CnnRun, feed: FrameFeed, signal?: AbortSignal, onFrames?: OnFrames): Promise<ScanOutcome> {
    const { video, kind, settings, probe: p, frames, thumbnail } = d;
    const t0 = performance.now();
    // The poster and frame pictures are encoded by ffmpeg on the other cores while the CNN runs (they were written
    // before it and after the commit: 0.6 s of a lone video's add spent waiting on them).
    const pictures = this.pictures(d, signal);
    try {
      // before the CNN workers' first start (seconds): the bar says what comes
      onFrames?.('cnn', run.done, frames.length);
      const heard = await run.end(); // in the order the feed heard the frames
      const at = new Map(feed.frames.map((f, i) => [f, i]));
      const features = frames.map((f) => heard[at.get(f) ?? -1]);
      if (features.some((f) => !f)) throw new Error(`internal: a frame of ${video.path} never reached the CNN`);
      const tagger = await this.tagger(kind);
      const t3 = performance.now();
      const raw = features.map((f) => joinFrameVector(f.embedding, f.classScores));
      const pooled = tagger ? tagger.predict(raw) : maxPool(features.map((f) => f.classScores));
      const modelSeconds = (performance.now() - t3) / 1000;
      const sampling = samplingName(kind, settings, p);
      // Work of this video only: the time its frames were at the CNN (model start-up, the CNN worker's and the video
      // model's, is paid once), and the decode; where the CNN ran on frames while ffmpeg decoded the rest, that
      // stretch counts once. Time spent waiting for the other pipeline stage is not this video's cost.
      const cnnSeconds = spanSeconds(run.busy);
      const seconds = spanSeconds([...run.busy, [d.decodeStart, d.decodeStart + d.decodeSeconds * 1000]]) + modelSeconds;
      const pics = await pictures.done; // the poster must be in place before the video says it has one
      const scanId = this.scans.saveScan(
        {
          videoId: video.id,
          kind,
          model: `${sampling}+${taggerName(tagger)}`,
          pipeline: FRAME_PIPELINE,
          seconds,
          decodeSeconds: d.decodeSeconds,
          cnnSeconds,
          modelSeconds,
          modelFlops: tagger ? tagger.flops(frames.length) : 0,
          tagThreshold: tagger ? tagger.probabilityLine : null,
          frames: frames.map((f, i) => ({ timeS: f.timeS, embedding: features[i].embedding, classScores: features[i].classScores })),
          tags: scoresToTags(pooled),
        },
        () => this.library.setOk(video.id, thumbnail, d.warning),
      );
      if (kind === 'student') pics.placeFrames(scanId);
      return {
        ok: true,
        ...(d.warning ? { warning: d.warning } : {}),
        seconds,
        decodeSeconds: d.decodeSeconds,
        cnnSeconds,
        modelSeconds,
        frames: frames.length,
        keyframeFrames: frames.filter((f) => f.keyframe).length,
      };
    } catch (e) {
      if (isDiskFull(e)) throw this.diskFull(video, e); // SQLITE_FULL committing the scan: rolled back whole
      const me = asMediaError(e);
      if (!me) throw e;
      return this.failed(video, me, t0);
    } finally {
      await pictures.settled; // never leave an encoder writing after the scan of this video ended
      pictures.discard();
    }
  }

  /**
   * The poster (when the scan writes one) and the pictures of the student's frames, from the frames just decoded: the
   * frame pictures are what the video's page shows, so opening it runs no ffmpeg. A student's decode wrote them all
   * already (`FramePictures`: its ffmpeg encoded them as it decoded); otherwise, or when one is missing, one ffmpeg
   * encodes them from the decoded frames while the CNN runs. The poster is moved into place before the commit, the
   * frame pictures after it (their names carry the scan's id) and best effort: without them the page extracts frames
   * on demand. A poster that cannot be written fails the video, as before.
   */
  private pictures(
    d: Decoded,
    signal?: AbortSignal,
  ): { done: Promise<{ placeFrames(scanId: number): void }>; settled: Promise<unknown>; discard(): void } {
    const frames = d.kind === 'student' && this.framesCacheDir ? d.frames : [];
    const dir = d.picturesDir ?? this.picturesDir(d.video);
    const rgb = d.frames.map((f) => f.rgb);
    const area = pictureArea(d.probe);
    const poster = d.poster ? posterJpeg(rgb, posterFrameIndex(rgb), CNN_INPUT, d.probe, d.thumbnail!, POSTER_WIDTH) : undefined;
    // The decode's JPEGs crop every frame to `area`; a poster whose frame has a black edge to trim (ffmpeg's rounding
    // of an odd aspect ratio) is encoded here instead, so the poster is the same either way.
    const made =
      d.frames.every((f) => f.jpegs) && (!poster || sameArea(poster.area, area))
        ? { frames: frames.map((f) => f.jpegs![0]), poster: poster && d.frames[poster.index].jpegs!.at(-1)! }
        : null;
    const pending = made ? made.frames : frames.map((_, i) => path.join(dir, `${i}.jpg`));
    const encode = async () => {
      if (made) {
        if (poster) {
          fs.mkdirSync(path.dirname(poster.outPath), { recursive: true });
          fs.renameSync(made.poster!, poster.outPath);
        }
        return;
      }
      if (!poster && !frames.length) return;
      fs.mkdirSync(dir, { recursive: true });
      try {
        await writeFrameJpegs(rgb, CNN_INPUT, area, pending, FRAME_PICTURE_WIDTH, { signal, poster });
      } catch (e) {
        if (poster) throw e;
        pending.length = 0; // frame pictures only: best effort
      }
    };
    const done = encode().then(() => ({
      placeFrames: (scanId: number) => {
        pending.forEach((f, i) => {
          try {
            fs.renameSync(f, frameJpegPath(this.framesCacheDir!, d.video.id, scanId, i));
          } catch {
            /* best effort: made on demand */
          }
        });
      },
    }));
    const settled = done.catch(() => undefined);
    return { done, settled, discard: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }

  /**
   * The disk (database, cache or temp folder) is full: every next video would fail the same way, so the job ends
   * here with a plain "disk full" error. The video stays pending (its transaction rolled back), retried next time.
   */
  private diskFull(video: VideoRow, e: unknown): Error {
    try {
      this.library.setError(video.id, `disk full: ${(e as Error).message}`, true);
    } catch {
      /* the database itself may be what is full */
    }
    return diskFullError(e, `${video.path} could not be scanned and saved`);
  }

  /** A permanent error marks the video broken; a retryable one (the machine's) leaves it pending for the next scan. */
  private failed(video: VideoRow, e: MediaError, t0: number): ScanOutcome {
    this.library.setError(video.id, e.message, e.retryable);
    return {
      ok: false,
      error: e.message,
      retryable: e.retryable,
      seconds: (performance.now() - t0) / 1000,
      decodeSeconds: 0,
      cnnSeconds: 0,
      modelSeconds: 0,
      frames: 0,
    };
  }
}

/**
 * A file whose header promises more than its data holds (a truncated copy or download): when the last decoded frame
 * of a uniform sampling lies before half the probed duration, most of the video is missing. Tagged anyway, with
 * this said in the video's error text. Clips under 2 s are left alone (their durations are often approximate).
 */
export function truncationWarning(durationS: number, frames: RawFrame[]): string | null {
  if (!(durationS >= 2) || !frames.length) return null;
  const last = Math.max(...frames.map((f) => f.timeS));
  if (last >= 0.5 * durationS) return null;
  return `truncated? frames end at ${last.toFixed(1)} s of the ${durationS.toFixed(1)} s the header states: most of the video could not be decoded`;
}

/** Seconds covered by the union of [start, end] spans in milliseconds (performance.now), overlaps counted once. */
export function spanSeconds(spans: [number, number][]): number {
  let total = 0,
    reach = -Infinity;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= reach) continue;
    total += b - Math.max(a, reach);
    reach = b;
  }
  return total / 1000;
}
