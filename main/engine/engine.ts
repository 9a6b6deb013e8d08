/**
 * The Glimpse engine: plain Node, no Electron. Every face (Electron IPC, HTTP server, CLI) calls `call()` with
 * a channel of the shared API; requests are validated here once, so no face can skip validation.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { COCO80 } from '../../shared/coco.ts';
import {
  parseRequest,
  type Channel,
  type EngineEvent,
  type ParsedRequestOf,
  type RequestOf,
  type Results,
  type TrainReadiness,
} from '../../shared/api.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import { sweepStaleTemp } from '../core/atomic-write.ts';
import { cacheDirFor, dataDirFor } from '../core/paths.ts';
import { version } from '../core/version.ts';
import { JobQueue, type JobContext } from '../jobs/queue.ts';
import { JobHistory } from '../jobs/job-history.ts';
import { LibraryOps } from '../library/library-ops.ts';
import { JobRunsRepo } from '../store/job-runs-repo.ts';
import { mediaTools } from '../media/ffmpeg.ts';
import { backendReport } from '../ml/backend.ts';
import { explainLoadError, gpuStatus } from '../ml/gpu-status.ts';
import { CnnClient, defaultCnnWorkers } from '../ml/cnn-client.ts';
import { FRAME_PIPELINE } from '../ml/frame-cnn.ts';
import { modelFiles } from '../ml/model-files.ts';
import { MIN_TRAINING_VIDEOS } from '../ml/training-limits.ts';
import { BrowseRepo } from '../store/browse-repo.ts';
import { openDb, type Db } from '../store/db.ts';
import { LibraryRepo, type VideoRow } from '../store/library-repo.ts';
import { ScansRepo } from '../store/scans-repo.ts';
import { SettingsRepo } from '../store/settings-repo.ts';
import { TagEditsRepo } from '../store/tag-edits-repo.ts';
import { CompareService } from './compare-service.ts';
import { EngineError } from './errors.ts';
import { MediaAccess } from './media-access.ts';
import { enqueueTraining, ModelService } from './model-service.ts';
import { ScanProgress } from './scan-progress.ts';
import { ScanService, type FrameProgress, type ScanSettings } from './scan-service.ts';
import { SearchService } from './search-service.ts';
import { SettingsService } from './settings-service.ts';
import { TagEditService } from './tag-edits.ts';
import { exportTags } from './tag-export.ts';
import { listFolders } from './folder-listing.ts';
import { moveUserDataOutOfCache } from './user-data.ts';
import { ReviewService } from './review-service.ts';
import { tagMoments } from './tag-moments.ts';
import { videoSummaries } from './video-summaries.ts';

/** Frames still waiting for the CNN when a lone video's decode ends that make starting the rest of the pool worth it. */
const GROW_FOR_WAITING_FRAMES = 4;

export interface EngineOptions {
  dbPath: string;
  /** posters and frame JPEGs (default `<db name>-cache` beside the database) */
  cacheDir?: string;
  /** user work outside the database: models refitted on the library (default `<db name>-data`) */
  dataDir?: string;
  /** settings for this run only (CLI flags); they beat the saved settings and are never saved */
  scan?: Partial<ScanSettings>;
  /** shipped models folder (default resources/models); tests point it elsewhere */
  modelsDir?: string;
  /**
   * A process that stays open (the desktop app's engine host, `glimpse serve`): once its first scan has ended, the
   * CNN pool grows to one worker per core in the background and every worker that has run no frame yet runs a blank
   * one (its first inference's set-up), so the next video added, a lone one too, runs its frames on every core at the
   * steady speed. A one-shot CLI command leaves it off: there a second worker's start (~0.25 CPU-s) would compete with
   * the decode of the one video it came for, and a warm-up is a frame of work nobody asked for.
   */
  warmPool?: boolean;
}

type Handlers = { [C in Channel]: (req: ParsedRequestOf<C>) => Promise<Results[C]> | Results[C] };

/**
 * Wiring, top-down: the database and its repositories; the services over them (each one concern); then the
 * channel map, which only routes a validated request to a service.
 */
export class Engine {
  readonly events = new EventEmitter<{ event: [EngineEvent] }>();
  readonly jobs = new JobQueue();
  readonly dbPath: string;
  readonly cacheDir: string;
  readonly dataDir: string;
  readonly settings: SettingsService;
  readonly models: ModelService;
  readonly libraryOps: LibraryOps;
  /** the files the faces serve (videos, posters, frames), each checked */
  readonly media: MediaAccess;
  private db: Db;
  private library: LibraryRepo;
  private scans: ScansRepo;
  private scanner: ScanService;
  private search: SearchService;
  private edits: TagEditService;
  private compare: CompareService;
  private review: ReviewService;
  private browse: BrowseRepo;
  private jobHistory: JobHistory;
  private cnn: Promise<CnnClient> | null = null;
  private readonly warmPool: boolean;
  private jobWarnings = new Map<string, string[]>();
  private handlers: Handlers;

  constructor(opts: EngineOptions) {
    this.dbPath = path.resolve(opts.dbPath);
    this.cacheDir = opts.cacheDir ?? cacheDirFor(this.dbPath);
    this.dataDir = opts.dataDir ?? dataDirFor(this.dbPath);
    this.warmPool = opts.warmPool ?? false;

    // Store
    this.db = openDb(this.dbPath);
    this.library = new LibraryRepo(this.db);
    this.scans = new ScansRepo(this.db);
    this.browse = new BrowseRepo(this.db);
    const settingsRepo = new SettingsRepo(this.db);
    moveUserDataOutOfCache({ cacheDir: this.cacheDir, dataDir: this.dataDir, settings: settingsRepo });
    sweepStaleTemp([this.cacheDir, this.dataDir]); // what killed writers left: temp files, an interrupted model swap

    // Services
    this.settings = new SettingsService(settingsRepo, opts.scan);
    this.models = new ModelService(this.db, this.dbPath, this.dataDir, () => this.settings.scan(), opts.modelsDir);
    this.settings.onChange(() => this.models.invalidate());
    this.media = new MediaAccess(this.browse, this.cacheDir);
    this.scanner = new ScanService(
      this.library,
      this.scans,
      () => this.cnnClient(),
      this.media.thumbsDir,
      () => this.settings.scan(),
      (kind) => this.models.tagger(kind),
      this.cacheDir,
    );
    this.libraryOps = new LibraryOps(this.db, this.library, this.jobs, (ctx) => this.scanVideos(ctx, 'student', null));
    this.libraryOps.cacheDir = this.cacheDir; // posters of pruned videos go; frames stay under a size limit
    // The CNN worker's start overlaps indexing (tfjs and the model: ~0.25 s of a short `glimpse add`); failures surface in the scan.
    this.libraryOps.prepareScan = () => {
      this.cnnClient().catch(() => undefined);
      this.models.tagger('student').catch(() => undefined);
    };
    this.jobHistory = new JobHistory(new JobRunsRepo(this.db), this.jobs);
    this.search = new SearchService(this.browse, (rows) => this.summaries(rows));
    this.edits = new TagEditService(this.browse, new TagEditsRepo(this.db));
    this.compare = new CompareService(this.browse);
    this.review = new ReviewService(this.browse, this.scans);
    this.jobs.on('job', (job) => this.events.emit('event', { type: 'job', job }));

    // Channels
    this.handlers = this.channelMap();
  }

  /** The single entry point of the API. `raw` is untrusted: it is parsed with the channel's zod schema. */
  async call<C extends Channel>(channel: C, raw: RequestOf<C> | unknown): Promise<Results[C]> {
    const req = parseRequest(channel, raw);
    const handler = this.handlers[channel] as (r: ParsedRequestOf<C>) => Promise<Results[C]> | Results[C];
    return handler(req);
  }

  async close(): Promise<void> {
    this.libraryOps.stopWatching();
    this.jobs.cancelAll();
    const cnn = this.cnn;
    this.cnn = null;
    if (cnn)
      await cnn.then(
        (c) => c.close(),
        () => undefined,
      );
    this.db.close();
  }

  private cnnClient(): Promise<CnnClient> {
    if (!this.cnn) {
      this.cnn = CnnClient.start();
      this.cnn.catch(() => {
        this.cnn = null;
      });
    }
    return this.cnn;
  }

  /** Starts the rest of the CNN pool in the background (once; a pool that cannot start fails the next scan instead). */
  private growCnnPool(): void {
    void this.cnnClient().then(
      (c) => c.grow(),
      () => undefined,
    );
  }

  private channelMap(): Handlers {
    return {
      'library.search': (r) => this.search.search(r),
      'tags.edit': (r) => this.edits.edit(r),
      'tags.rename': (r) => this.edits.rename(r),
      'tags.undo': () => this.edits.undo(),
      'tags.export': ({ format }) => exportTags(this.browse, format),
      'settings.get': () => this.settings.get(),
      'settings.set': (r) => this.settings.set(r),
      'cache.info': () => this.media.cacheInfo(),
      'cache.clear': () => this.media.clearCache(),
      'compare.summary': async () => this.compare.summary(await this.models.tagger('student').catch(() => null)),
      'library.addRoot': async ({ path: p, scan }) => {
        // A relative path would resolve against wherever the server was started: never what the person meant.
        if (!path.isAbsolute(p)) throw new EngineError('invalid', `use a full path (starting with ${path.sep}): “${p}” is relative`);
        const abs = path.resolve(p);
        let st: fs.Stats;
        try {
          st = fs.statSync(abs);
        } catch {
          throw new EngineError('not_found', `folder not found: ${abs}`);
        }
        if (!st.isDirectory()) throw new EngineError('invalid', `not a folder: ${abs}`);
        const real = fs.realpathSync(abs);
        const row = this.library.addRoot(real);
        // Indexing (walk + fingerprint + probe) always runs: it is cheap; `scan` only decides whether tagging follows.
        const jobId = this.libraryOps.enqueueRescan({ rootIds: [row.id], scan });
        const root = this.library.roots().find((r) => r.id === row.id)!;
        return { root: { id: root.id, path: root.path, videoCount: root.video_count, addedAt: root.added_at }, jobId };
      },
      'library.removeRoot': ({ path: p }) => {
        const abs = path.resolve(p);
        const real = fs.existsSync(abs) ? fs.realpathSync(abs) : abs;
        return { removed: this.library.removeRoot(real) || this.library.removeRoot(abs) };
      },
      'library.roots': () =>
        this.library.roots().map((r) => ({
          id: r.id,
          path: r.path,
          videoCount: r.video_count,
          addedAt: r.added_at,
          unreachable: this.libraryOps.unreachable(r.path),
        })),
      // With a tag or a name filter this is the app's search (one query path: human edits win, case-insensitive);
      // without, the plain listing the CLI's add/roots reports use.
      'library.videos': ({ tag, query, limit, offset }) => {
        if (!tag && !query) {
          const { total, rows } = this.library.list({ limit, offset });
          return { total, videos: this.summaries(rows) };
        }
        const q = [tag ? `tag:"${tag.replace(/"/g, '')}"` : '', query ? `name:"${query.replace(/"/g, '')}"` : ''].join(' ').trim();
        return this.search.searchAll(q, limit, offset);
      },
      'library.video': ({ id }) => {
        const v = this.library.video(id);
        if (!v) throw new EngineError('not_found', `no video with id ${id}`);
        const scans = this.scans.scansOf(id);
        const student = scans.find((s) => s.kind === 'student');
        const frames = student
          ? this.scans.frames(student.id).map((f) => ({
              index: f.idx,
              timeS: f.time_s,
              detections: [...f.class_scores]
                .map((score, c) => ({ tag: COCO80[c], score: Math.round(score * 1e3) / 1e3 }))
                .filter((d) => d.score >= TAG_THRESHOLD)
                .sort((a, b) => b.score - a.score),
            }))
          : [];
        const summary = this.summaries([v])[0];
        const removed = this.browse.removedTags(id);
        const all = tagMoments(this.scans, id);
        const moments = Object.fromEntries([...summary.tags.map((t) => t.tag), ...removed].map((t) => [t, all.get(t) ?? []]));
        return {
          ...summary,
          moments,
          removed,
          codec: v.codec,
          fps: v.fps,
          hasAudio: !!v.has_audio,
          frames,
          scans: scans.map((s) => ({
            id: s.id,
            kind: s.kind,
            model: s.model,
            frames: s.frame_count,
            seconds: s.seconds,
            decodeSeconds: s.decode_seconds,
            cnnSeconds: s.cnn_seconds,
            createdAt: s.created_at,
          })),
        };
      },
      'library.tags': () => this.search.tagCounts(),
      // Without ids: every video lacking a current scan of this kind (same frame pipeline, sampling and video model;
      // ScanService.currentScan) unless forced, so a killed student or teacher scan resumes where it stopped.
      'scan.start': ({ kind, videoIds, force }) => ({
        jobId: this.jobs.enqueue(`scan:${kind}`, async (ctx) => {
          await this.scanVideos(
            ctx,
            kind,
            videoIds
              ? this.library.videosByIds(videoIds)
              : force
                ? this.library.scannableVideos()
                : this.library.scannableWithoutScan(kind, { pipeline: FRAME_PIPELINE, ...(await this.scanner.currentScan(kind)) }),
          );
        }),
      }),
      'jobs.list': () => this.jobHistory.list(this.jobs.list()),
      'jobs.cancel': ({ id }) => ({ cancelled: this.jobs.cancel(id) }),
      'jobs.pause': ({ id }) => ({ paused: this.jobs.pause(id) }),
      'jobs.resume': ({ id }) => ({ resumed: this.jobs.resume(id) }),
      'library.rescan': ({ rootIds, scan }) => ({ jobId: this.libraryOps.enqueueRescan({ rootIds, scan }) }),
      'library.errors': () => this.libraryOps.errors(),
      'library.prune': ({ confirm }) => this.libraryOps.prune({ confirm }),
      'library.watchStatus': () => this.libraryOps.watchStatus(),
      'models.info': async () => ({ ...(await this.models.info()), training: this.trainReadiness() }),
      'train.start': ({ family, k, epochs }) => {
        const settings = this.settings.scan();
        const fam = family ?? settings.family ?? 'evidence';
        // The tfjs families read the MobileNetV2 embedding, which scans for the evidence family skip.
        const embed = fam !== 'evidence';
        return {
          jobId: enqueueTraining(this.jobs, this.models, { family: fam, k: k ?? settings.k, epochs }, async (ctx) => {
            await this.scanVideos(
              ctx,
              'teacher',
              this.library.videosWithoutScan('teacher', { pipeline: FRAME_PIPELINE, withEmbedding: embed }),
              { embed },
            );
          }),
        };
      },
      'labels.import': ({ csvPath }) => this.models.importLabels(path.resolve(csvPath)),
      'review.queue': ({ limit }) => this.review.queue(limit),
      'tags.delete': (r) => this.edits.delete(r),
      'fs.listFolders': (r) =>
        listFolders(
          r,
          this.library.roots().map((x) => x.path),
        ),
      'system.doctor': async () => {
        let backend = backendReport(),
          cnnWorkers = { running: 0, max: defaultCnnWorkers() };
        try {
          const c = await this.cnnClient();
          backend ??= c.backend;
          cnnWorkers = { running: c.size, max: c.maxSize };
        } catch (e) {
          backend ??= { name: 'none', reason: (e as Error).message, tried: [] };
        }
        const tools = mediaTools();
        const videoModels = await Promise.all(
          (['teacher', 'student'] as const).map(async (role) => {
            const r = await this.models.resolve(role);
            return {
              name: `${role} video model (${r?.origin ?? 'none fits the settings'})`,
              file: r?.dir ?? this.models.libraryDir,
              found: !!r,
            };
          }),
        );
        const gpu = gpuStatus(backend);
        return {
          version,
          backend: {
            ...backend,
            tried: backend.tried.map((t) => (t.ok ? t : { ...t, error: explainLoadError(t.name, t.error ?? '').why, detail: t.error })),
          },
          gpu: { used: gpu.used, why: gpu.why, instead: gpu.instead },
          cnnWorkers,
          ffmpeg: tools.ffmpeg,
          ffprobe: tools.ffprobe,
          models: [...modelFiles(), ...videoModels],
          dbPath: this.dbPath,
          dataDir: this.dataDir,
          cacheDir: this.cacheDir,
          node: process.version,
        };
      },
    };
  }

  private summaries(rows: VideoRow[]) {
    return videoSummaries(this.scans, rows);
  }

  /** Scans the given videos, or every pending one. Each video commits on its own, so a killed scan resumes. */
  private async scanVideos(
    ctx: JobContext,
    kind: 'student' | 'teacher',
    videos: VideoRow[] | null,
    o: { embed?: boolean } = {},
  ): Promise<string | null> {
    const todo = videos ?? this.library.pendingVideos();
    ctx.progress(0, todo.length, `${kind} scan`);
    // Many frames to run (a teacher scan, several videos): the whole CNN pool; one student video: one worker (CnnClient.start).
    if (kind === 'teacher' || todo.length > 1) this.growCnnPool();
    // The video model first: one that exists but cannot load (damaged, unreadable) fails the job here, naming the
    // file; none fitting the settings is a fallback to the detector that the job's summary and the CLI say aloud.
    const warning = todo.length ? await this.models.fallbackWarning(kind) : null;
    const jobId = this.jobs.list().find((j) => j.state === 'running')?.id; // one job holds the queue: this one
    if (warning && jobId) this.jobWarnings.set(jobId, [...(this.jobWarnings.get(jobId) ?? []), warning]);
    let ok = 0,
      failed = 0;
    const progress = new ScanProgress(ctx, todo.length);
    // One student video starts on one worker: a second one's start would compete with its decode for the cores. Once
    // its frames are decoded the cores are free, and if enough frames still wait for the CNN the rest of the pool
    // starts and takes a share of them (a worker is ready in ~0.27 s and its first frame costs ~2 steady ones: ~3
    // frames of work on wasm here).
    let analysed = 0;
    const onFrames = (f: FrameProgress) => {
      progress.frames(f);
      if (f.stage === 'cnn') analysed = f.done;
      else if (todo.length === 1 && f.done >= f.total && f.total - analysed >= GROW_FOR_WAITING_FRAMES) this.growCnnPool();
    };
    // ffmpeg decodes the next videos while the CNN worker runs the current one (ScanService.scanAll).
    await this.scanner.scanAll(
      todo,
      kind,
      ctx,
      (v, out, done) => {
        if (out.ok) ok++;
        else failed++;
        ctx.count(out.ok ? 'tagged' : out.retryable ? 'retry' : 'unreadable');
        progress.video(done, out.ok ? v.name : `${v.name}: ${out.error}`);
        this.events.emit('event', { type: 'video', videoId: v.id });
      },
      { ...o, onFrames },
    );
    // An open app or server: the pool is whole and warm for the next video (see `warmPool`); the scan's own frames are
    // done, so a worker's warm-up takes no core from them. A failure surfaces in the next scan.
    if (this.warmPool && todo.length && !ctx.signal.aborted)
      void this.cnnClient()
        .then((c) => c.warm())
        .catch(() => undefined);
    if (!ctx.signal.aborted)
      ctx.progress(
        todo.length,
        todo.length,
        `${kind} scan: ${ok} tagged${failed ? `, ${failed} failed` : ''} of ${todo.length}${warning ? `; warning: ${warning}` : ''}`,
      );
    return warning;
  }

  /**
   * Whether training can start, known before the click: it teacher-scans what has no teacher scan, then needs the
   * features of MIN_TRAINING_VIDEOS videos, so fewer readable videos than that can never work.
   */
  private trainReadiness(): TrainReadiness {
    const readable = this.library.scannableVideos().length;
    const teacherScanned = readable - this.library.scannableWithoutScan('teacher', { pipeline: FRAME_PIPELINE }).length;
    const ready = readable >= MIN_TRAINING_VIDEOS;
    return {
      ready,
      reason: ready
        ? null
        : `needs a teacher scan of at least ${MIN_TRAINING_VIDEOS} readable videos; this library has ${readable}. Add a folder with more videos.`,
      readable,
      teacherScanned,
      needed: MIN_TRAINING_VIDEOS,
    };
  }

  /** Warnings of a job of this process (e.g. a scan that fell back to the detector because no video model fits). */
  warningsOf(jobId: string | null | undefined): string[] {
    return (jobId && this.jobWarnings.get(jobId)) || [];
  }
}
