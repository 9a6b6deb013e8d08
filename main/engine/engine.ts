/**
 * The Glimpse engine: plain Node, no Electron. Every face (Electron IPC, HTTP server, CLI) calls `call()` with
 * a channel of the shared API; requests are validated here once, so no face can skip validation.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { COCO80 } from '../../shared/coco.ts';
import { parseRequest, type Channel, type EngineEvent, type ParsedRequestOf, type RequestOf, type Results, type VideoSummary } from '../../shared/api.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import { cacheDirFor } from '../core/paths.ts';
import { version } from '../core/version.ts';
import { JobQueue, type JobContext } from '../jobs/queue.ts';
import { JobHistory } from '../jobs/job-history.ts';
import { LibraryOps } from '../library/library-ops.ts';
import { JobRunsRepo } from '../store/job-runs-repo.ts';
import { mediaTools } from '../media/ffmpeg.ts';
import { backendReport } from '../ml/backend.ts';
import { CnnClient } from '../ml/cnn-client.ts';
import { FRAME_PIPELINE } from '../ml/frame-cnn.ts';
import { modelFiles } from '../ml/model-files.ts';
import { openDb, type Db } from '../store/db.ts';
import { LibraryRepo, type VideoRow } from '../store/library-repo.ts';
import { ScansRepo } from '../store/scans-repo.ts';
import { EngineError } from './errors.ts';
import { DEFAULT_SCAN_SETTINGS, ScanService, type ScanSettings } from './scan-service.ts';
import { lazyUiHandlers, UiServices } from './ui-handlers.ts';
import { enqueueTraining, ModelService } from './model-service.ts';

export interface EngineOptions {
  dbPath: string; cacheDir?: string; scan?: Partial<ScanSettings>;
  /** shipped models folder (default resources/models); tests point it elsewhere */
  modelsDir?: string;
}

type Handlers = { [C in Channel]: (req: ParsedRequestOf<C>) => Promise<Results[C]> | Results[C] };

export class Engine {
  readonly events = new EventEmitter<{ event: [EngineEvent] }>();
  readonly jobs = new JobQueue();
  readonly dbPath: string;
  readonly cacheDir: string;
  private db: Db;
  private library: LibraryRepo;
  private scans: ScansRepo;
  private scanner: ScanService;
  private cnn: Promise<CnnClient> | null = null;

  constructor(opts: EngineOptions) {
    this.dbPath = path.resolve(opts.dbPath);
    this.cacheDir = opts.cacheDir ?? cacheDirFor(this.dbPath);
    this.db = openDb(this.dbPath);
    this.library = new LibraryRepo(this.db);
    this.scans = new ScansRepo(this.db);
    const scanSettings = { ...DEFAULT_SCAN_SETTINGS, ...opts.scan };
    this.ui = new UiServices({ db: this.db, cacheDir: this.cacheDir, scanSettings, summaries: (rows) => this.summaries(rows),
      onSettingsChanged: () => this.models?.invalidate(), studentTagger: () => this.models.tagger('student') });
    if (opts.scan?.k) scanSettings.k = opts.scan.k; // an explicit --k beats the saved setting
    if (opts.scan?.family) scanSettings.family = opts.scan.family;
    this.scanSettings = scanSettings;
    this.models = new ModelService(this.db, this.dbPath, this.cacheDir, scanSettings, opts.modelsDir);
    this.scanner = new ScanService(this.library, this.scans, () => this.cnnClient(), path.join(this.cacheDir, 'thumbs'), scanSettings,
      (kind) => this.models.tagger(kind));
    this.jobs.on('job', (job) => this.events.emit('event', { type: 'job', job }));
    this.libraryOps = new LibraryOps(this.db, this.library, this.jobs, (ctx) => this.scanVideos(ctx, 'student', null));
    this.libraryOps.cacheDir = this.cacheDir; // posters of pruned videos go; frames/strips stay under a size limit
    this.jobHistory = new JobHistory(new JobRunsRepo(this.db), this.jobs);
  }

  readonly libraryOps: LibraryOps;
  readonly models: ModelService;
  private scanSettings: ScanSettings;
  private jobHistory: JobHistory;
  /** Renderer services (search, edits, export, compare) and media/frame file resolution for the faces. */
  readonly ui: UiServices;

  /** The single entry point of the API. `raw` is untrusted: it is parsed with the channel's zod schema. */
  async call<C extends Channel>(channel: C, raw: RequestOf<C> | unknown): Promise<Results[C]> {
    const req = parseRequest(channel, raw);
    const handler = this.handlers[channel] as (r: ParsedRequestOf<C>) => Promise<Results[C]> | Results[C];
    return handler(req);
  }

  /** The thumbnail file of a video, or null; only paths the engine wrote itself are ever returned. */
  thumbnailPath(videoId: number): string | null {
    const v = this.library.video(videoId);
    if (!v?.thumbnail) return null;
    const thumbs = path.join(this.cacheDir, 'thumbs') + path.sep;
    return path.resolve(v.thumbnail).startsWith(thumbs) && fs.existsSync(v.thumbnail) ? v.thumbnail : null;
  }

  async close(): Promise<void> {
    this.libraryOps.stopWatching();
    this.jobs.cancelAll();
    const cnn = this.cnn;
    this.cnn = null;
    if (cnn) await cnn.then((c) => c.close(), () => undefined);
    this.db.close();
  }

  private cnnClient(): Promise<CnnClient> {
    if (!this.cnn) {
      this.cnn = CnnClient.start();
      this.cnn.catch(() => { this.cnn = null; });
    }
    return this.cnn;
  }

  private handlers: Handlers = {
    ...lazyUiHandlers(() => this.ui),
    'library.addRoot': async ({ path: p, scan }) => {
      const abs = path.resolve(p);
      let st: fs.Stats;
      try { st = fs.statSync(abs); } catch { throw new EngineError('not_found', `folder not found: ${abs}`); }
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
    'library.roots': () => this.library.roots().map((r) => ({ id: r.id, path: r.path, videoCount: r.video_count, addedAt: r.added_at })),
    // With a tag or a name filter this is the app's search (one query path: human edits win, case-insensitive);
    // without, the plain listing the CLI's add/roots reports use.
    'library.videos': async ({ tag, query, limit, offset }) => {
      if (!tag && !query) {
        const { total, rows } = this.library.list({ limit, offset });
        return { total, videos: this.summaries(rows) };
      }
      const q = [tag ? `tag:"${tag.replace(/"/g, '')}"` : '', query ? `name:"${query.replace(/"/g, '')}"` : ''].join(' ').trim();
      const videos: VideoSummary[] = [];
      let total = 0;
      for (let at = offset; videos.length < limit;) {
        const page = await this.call('library.search', { q, limit: Math.min(1000, limit - videos.length), offset: at });
        total = page.total;
        videos.push(...page.videos);
        at += page.videos.length;
        if (!page.videos.length || at >= total) break;
      }
      return { total, videos };
    },
    'library.video': ({ id }) => {
      const v = this.library.video(id);
      if (!v) throw new EngineError('not_found', `no video with id ${id}`);
      const scans = this.scans.scansOf(id);
      const student = scans.find((s) => s.kind === 'student');
      const frames = student ? this.scans.frames(student.id).map((f) => ({
        index: f.idx, timeS: f.time_s,
        detections: [...f.class_scores].map((score, c) => ({ tag: COCO80[c], score: Math.round(score * 1e3) / 1e3 }))
          .filter((d) => d.score >= TAG_THRESHOLD).sort((a, b) => b.score - a.score),
      })) : [];
      return {
        ...this.summaries([v])[0], codec: v.codec, fps: v.fps, hasAudio: !!v.has_audio, frames,
        scans: scans.map((s) => ({ id: s.id, kind: s.kind, model: s.model, frames: s.frame_count, seconds: s.seconds,
          decodeSeconds: s.decode_seconds, cnnSeconds: s.cnn_seconds, createdAt: s.created_at })),
      };
    },
    'library.tags': async () => (await this.call('library.search', { q: '', facets: true, limit: 1 })).facets,
    'scan.start': ({ kind, videoIds }) => ({
      jobId: this.jobs.enqueue(`scan:${kind}`, (ctx) => this.scanVideos(ctx, kind, videoIds ? this.library.videosByIds(videoIds) : this.library.scannableVideos())),
    }),
    'jobs.list': () => this.jobHistory.list(this.jobs.list()),
    'jobs.cancel': ({ id }) => ({ cancelled: this.jobs.cancel(id) }),
    'jobs.pause': ({ id }) => ({ paused: this.jobs.pause(id) }),
    'jobs.resume': ({ id }) => ({ resumed: this.jobs.resume(id) }),
    'library.rescan': ({ rootIds, scan }) => ({ jobId: this.libraryOps.enqueueRescan({ rootIds, scan }) }),
    'library.errors': () => this.libraryOps.errors(),
    'library.prune': () => this.libraryOps.prune(),
    'library.watchStatus': () => this.libraryOps.watchStatus(),
    'models.info': () => this.models.info(),
    'train.start': ({ family, k, epochs }) => {
      const fam = family ?? this.scanSettings.family ?? 'evidence';
      // The tfjs families read the MobileNetV2 embedding, which scans for the evidence family skip.
      const embed = fam !== 'evidence';
      return {
        jobId: enqueueTraining(this.jobs, this.models, { family: fam, k: k ?? this.scanSettings.k, epochs },
          (ctx) => this.scanVideos(ctx, 'teacher', this.library.videosWithoutScan('teacher', { pipeline: FRAME_PIPELINE, withEmbedding: embed }), { embed })),
      };
    },
    'labels.import': ({ csvPath }) => this.models.importLabels(path.resolve(csvPath)),
    'system.doctor': async () => {
      let backend = backendReport();
      if (!backend) {
        try { backend = (await this.cnnClient()).backend; } catch (e) { backend = { name: 'none', reason: (e as Error).message, tried: [] }; }
      }
      const tools = mediaTools();
      const videoModels = await Promise.all((['teacher', 'student'] as const).map(async (role) => {
        const r = await this.models.resolve(role);
        return { name: `${role} video model (${r?.origin ?? 'none fits the settings'})`, file: r?.dir ?? this.models.libraryDir, found: !!r };
      }));
      return { version, backend, ffmpeg: tools.ffmpeg, ffprobe: tools.ffprobe, models: [...modelFiles(), ...videoModels], dbPath: this.dbPath,
        cacheDir: this.cacheDir, node: process.version };
    },
  };

  private summaries(rows: VideoRow[]): VideoSummary[] {
    const tags = this.scans.tagsOf(rows.map((r) => r.id));
    return rows.map((v) => ({
      id: v.id, path: v.path, name: v.name, durationS: v.duration_s, width: v.width, height: v.height, sizeBytes: v.size_bytes,
      status: v.status, error: v.error, hasThumbnail: !!v.thumbnail,
      tags: bestTags(tags.get(v.id) ?? []),
    }));
  }

  /** Scans the given videos, or every pending one. Each video commits on its own, so a killed scan resumes. */
  private async scanVideos(ctx: JobContext, kind: 'student' | 'teacher', videos: VideoRow[] | null, o: { embed?: boolean } = {}): Promise<void> {
    const todo = videos ?? this.library.pendingVideos();
    ctx.progress(0, todo.length, `${kind} scan`);
    // ffmpeg decodes the next videos while the CNN worker runs the current one (ScanService.scanAll).
    await this.scanner.scanAll(todo, kind, ctx, (v, out, done) => {
      ctx.progress(done, todo.length, out.ok ? v.name : `${v.name}: ${out.error}`);
      this.events.emit('event', { type: 'video', videoId: v.id });
    }, o);
  }
}

/** One score per tag for display: a human tag wins, then the teacher, then the student. */
function bestTags(all: { tag: string; score: number; source: 'student' | 'teacher' | 'human' }[]) {
  const rank = { human: 0, teacher: 1, student: 2 } as const;
  const byTag = new Map<string, (typeof all)[number]>();
  for (const t of all) {
    const cur = byTag.get(t.tag);
    if (!cur || rank[t.source] < rank[cur.source]) byTag.set(t.tag, t);
  }
  return [...byTag.values()].filter((t) => t.score >= TAG_THRESHOLD).sort((a, b) => b.score - a.score);
}
