/**
 * The library's long operations as engine jobs: (re)index roots, then scan what is pending. Kept out of
 * engine.ts so the engine stays a thin map from channels to services.
 */
import path from 'node:path';
import type { JobContext, JobQueue } from '../jobs/queue.ts';
import { DEFAULT_CACHE_MAX_BYTES, REGENERABLE, removeOrphans, trimLru } from '../media/cache.ts';
import { type Db, diskFullError, isDiskFull } from '../store/db.ts';
import { IndexRepo, type IndexError } from '../store/index-repo.ts';
import type { LibraryRepo } from '../store/library-repo.ts';
import { EngineError } from '../engine/errors.ts';
import { DEFAULT_INDEX_SETTINGS, type IndexContext, IndexService, type IndexReport, type IndexSettings } from './index-service.ts';
import { DEFAULT_WATCH_OPTIONS, LibraryWatcher, type RootWatchStatus, type WatchOptions, type WatchStatus } from './watch.ts';

export const INDEX_PRIORITY = 10; // cheap and makes everything else visible: runs before queued scans

export class LibraryOps {
  readonly repo: IndexRepo;
  readonly indexer: IndexService;
  lastReports: IndexReport[] = [];

  constructor(
    db: Db,
    private library: LibraryRepo,
    private jobs: JobQueue,
    /** scans every pending video; resolves with the scan's warning (e.g. no video model fits), if any */
    private scanPending: (ctx: JobContext) => Promise<string | null | void>,
    settings: Partial<IndexSettings> = {},
  ) {
    this.repo = new IndexRepo(db);
    this.indexer = new IndexService(this.repo, library, { ...DEFAULT_INDEX_SETTINGS, ...settings });
  }

  /** Index the given roots (all when omitted), then scan every pending video unless `scan` is false. */
  enqueueRescan(opts: { rootIds?: number[]; scan: boolean }, onStart?: () => void): string {
    return this.jobs.enqueue(
      opts.scan ? 'index+scan' : 'index',
      async (ctx) => {
        onStart?.();
        let warning: string | null = null;
        let reports: IndexReport[];
        try {
          // A scan follows: the CNN workers and the video model load while ffprobe reads the new files.
          reports = await this.index(opts.scan && this.prepareScan ? { ...ctx, onProbeWork: this.prepareScan } : ctx, opts.rootIds);
          this.afterIndex(reports);
          // Files the index could not read at all (probe or walk errors): they never reach the scan's counts.
          ctx.count(
            'unreadable',
            reports.reduce((a, r) => a + r.probeErrors + r.walkErrors, 0),
          );
          if (opts.scan && !ctx.signal.aborted) warning = (await this.scanPending(ctx)) ?? null;
        } catch (e) {
          // SQLite's "database or disk is full" means nothing to a user; say which disk and that a rescan resumes.
          if (isDiskFull(e) && !/^disk full: the disk holding/.test((e as Error).message)) throw diskFullError(e, 'indexing stopped');
          throw e;
        }
        this.trimCaches();
        // Failures of the machine (timeouts, disk full, permissions) left pending after this job, scans included.
        const retry = this.library.retryableVideos(opts.rootIds);
        // The summary is what the app shows when the job ends: a scan's warning (tags from the detector alone) must
        // survive it, as it does in `glimpse scan`.
        ctx.progress(1, 1, summarize(reports, retry.length) + (warning ? `; warning: ${warning}` : ''));
      },
      INDEX_PRIORITY,
    );
  }

  /**
   * Watch the library roots while the app runs (Electron, `glimpse serve`): changes are rescanned after a quiet
   * period, roots that cannot be watched are rescanned periodically. One-shot CLI commands never watch.
   */
  startWatching(opts: Partial<WatchOptions> = {}, onStatus?: (s: RootWatchStatus) => void): LibraryWatcher {
    this.watcher?.close();
    const w = new LibraryWatcher((ids) => this.onWatchedChange(ids), { ...DEFAULT_WATCH_OPTIONS, ...opts }, undefined, onStatus);
    this.watcher = w;
    void w.sync(this.library.roots());
    return w;
  }

  stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  watchStatus(): WatchStatus {
    return this.watcher?.status() ?? { active: false, dirs: 0, roots: [] };
  }

  private watcher: LibraryWatcher | null = null;
  private watchJob: { rootIds: number[]; started: boolean } | null = null;

  private onWatchedChange(rootIds: number[]): void {
    // A rescan that has not started yet takes these roots too (it reads its list when it starts): a burst of
    // changes is one job, not many.
    const w = this.watchJob;
    if (w && !w.started) {
      for (const id of rootIds) if (!w.rootIds.includes(id)) w.rootIds.push(id);
      return;
    }
    const job = { rootIds: [...new Set(rootIds)], started: false };
    this.watchJob = job;
    const id = this.enqueueRescan({ rootIds: job.rootIds, scan: this.watchScans }, () => {
      job.started = true;
    });
    void this.jobs.wait(id).then(() => {
      job.started = true;
    }); // cancelled before it started: the next change makes a new job
  }

  /** Whether watched changes are tagged right away (true) or only indexed. */
  watchScans = true;

  private afterIndex(reports: IndexReport[]): void {
    if (!this.watcher) return;
    void this.watcher.sync(this.library.roots()); // roots added or removed meanwhile
    // Files still being written were deferred: look again once they have had time to settle.
    const deferred = this.library
      .roots()
      .filter((r) => reports.some((x) => x.root === r.path && x.deferred.length))
      .map((r) => r.id);
    if (deferred.length) this.watcher.poke(deferred, this.indexer.settings.settleMs + this.indexer.settings.settleCheckMs);
  }

  /** Starts loading what a scan needs (set by the engine); called at most as often as an index finds new files. */
  prepareScan: (() => void) | null = null;

  async index(ctx: JobContext & Pick<IndexContext, 'onProbeWork'>, rootIds?: number[]): Promise<IndexReport[]> {
    const roots = this.library.roots().filter((r) => !rootIds || rootIds.includes(r.id));
    this.lastReports = await this.indexer.indexRoots(roots, ctx);
    return this.lastReports;
  }

  errors(): IndexError[] {
    return this.repo.errors();
  }

  /** Videos whose last failure was the machine's (they are retried by the next scan or rescan). */
  retryable(rootIds?: number[]): { id: number; path: string; error: string | null }[] {
    return this.library.retryableVideos(rootIds).map((v) => ({ id: v.id, path: v.path, error: v.error }));
  }

  /** Why a root was not indexed at its last index in this process (see IndexReport.unreachable); null: it was. */
  unreachable(rootPath: string): string | null {
    return this.lastReports.find((r) => r.root === rootPath)?.unreachable ?? null;
  }

  /** What prune would forget: every missing video, with the number of human tags each carries. */
  pruneCandidates(): { id: number; path: string; humanTags: number }[] {
    return this.repo.pruneCandidates();
  }

  /**
   * Forget missing videos for good. Human tags are work no rescan can bring back: when any missing video carries
   * some, nothing is removed unless `confirm` is true.
   */
  prune(o: { confirm?: boolean } = {}): { pruned: number; paths: string[] } {
    if (!o.confirm) {
      const tagged = this.repo.pruneCandidates().filter((c) => c.humanTags > 0);
      if (tagged.length) {
        throw new EngineError(
          'invalid',
          `${tagged.length} missing video${tagged.length === 1 ? ' carries' : 's carry'} your tags, which prune would delete for good ` +
            `(${tagged
              .slice(0, 5)
              .map((c) => c.path)
              .join(', ')}${tagged.length > 5 ? ', …' : ''}): confirm to prune`,
        );
      }
    }
    const rows = this.repo.transaction(() => this.repo.pruneMissing());
    this.trimCaches();
    return { pruned: rows.length, paths: rows.map((r) => r.path) };
  }

  /** The media cache folder (posters, frames); set by the engine. Null: no cache housekeeping. */
  cacheDir: string | null = null;
  cacheMaxBytes = DEFAULT_CACHE_MAX_BYTES;

  /** Posters of forgotten videos go; frames are kept under the size limit, least recently used first. */
  trimCaches(): { files: number; freedBytes: number } {
    if (!this.cacheDir) return { files: 0, freedBytes: 0 };
    const a = removeOrphans(path.join(this.cacheDir, 'thumbs'), new Set(this.repo.videoIds()));
    const b = trimLru(
      REGENERABLE.map((d) => path.join(this.cacheDir!, d)),
      this.cacheMaxBytes,
    );
    return { files: a.files + b.files, freedBytes: a.freedBytes + b.freedBytes };
  }
}

export function summarize(reports: IndexReport[], retryable = reports.reduce((a, r) => a + r.retryable, 0)): string {
  const sum = (k: 'files' | 'added' | 'moved' | 'changed' | 'missing' | 'probeErrors' | 'walkErrors') =>
    reports.reduce((a, r) => a + r[k], 0);
  const deferred = reports.reduce((a, r) => a + r.deferred.length, 0);
  return (
    `${sum('files')} files: ${sum('added')} new, ${sum('moved')} moved, ${sum('changed')} changed, ${sum('missing')} missing, ` +
    `${deferred} deferred (still being written), ${sum('probeErrors') + sum('walkErrors')} errors` +
    (retryable ? `, ${retryable} to retry (timeout, disk full or permission: not the files' fault)` : '') +
    reports
      .filter((r) => r.unreachable)
      .map((r) => `; root unreachable: ${r.root} (${r.unreachable}), nothing marked missing`)
      .join('')
  );
}
