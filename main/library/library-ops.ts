/**
 * The library's long operations as engine jobs: (re)index roots, then scan what is pending. Kept out of
 * engine.ts so the engine stays a thin map from channels to services.
 */
import type { JobContext, JobQueue } from '../jobs/queue.ts';
import type { Db } from '../store/db.ts';
import { IndexRepo, type IndexError } from '../store/index-repo.ts';
import type { LibraryRepo } from '../store/library-repo.ts';
import { DEFAULT_INDEX_SETTINGS, IndexService, type IndexReport, type IndexSettings } from './index-service.ts';

export const INDEX_PRIORITY = 10; // cheap and makes everything else visible: runs before queued scans

export class LibraryOps {
  readonly repo: IndexRepo;
  readonly indexer: IndexService;
  lastReports: IndexReport[] = [];

  constructor(db: Db, private library: LibraryRepo, private jobs: JobQueue,
    private scanPending: (ctx: JobContext) => Promise<void>, settings: Partial<IndexSettings> = {}) {
    this.repo = new IndexRepo(db);
    this.indexer = new IndexService(this.repo, library, { ...DEFAULT_INDEX_SETTINGS, ...settings });
  }

  /** Index the given roots (all when omitted), then scan every pending video unless `scan` is false. */
  enqueueRescan(opts: { rootIds?: number[]; scan: boolean }): string {
    return this.jobs.enqueue(opts.scan ? 'index+scan' : 'index', async (ctx) => {
      const reports = await this.index(ctx, opts.rootIds);
      if (opts.scan && !ctx.signal.aborted) await this.scanPending(ctx);
      ctx.progress(1, 1, summarize(reports));
    }, INDEX_PRIORITY);
  }

  async index(ctx: JobContext, rootIds?: number[]): Promise<IndexReport[]> {
    const roots = this.library.roots().filter((r) => !rootIds || rootIds.includes(r.id));
    this.lastReports = await this.indexer.indexRoots(roots, ctx);
    return this.lastReports;
  }

  errors(): IndexError[] { return this.repo.errors(); }

  prune(): { pruned: number; paths: string[] } {
    const rows = this.repo.transaction(() => this.repo.pruneMissing());
    return { pruned: rows.length, paths: rows.map((r) => r.path) };
  }
}

export function summarize(reports: IndexReport[]): string {
  const sum = (k: 'files' | 'added' | 'moved' | 'changed' | 'missing' | 'probeErrors' | 'walkErrors') => reports.reduce((a, r) => a + r[k], 0);
  const deferred = reports.reduce((a, r) => a + r.deferred.length, 0);
  return `${sum('files')} files: ${sum('added')} new, ${sum('moved')} moved, ${sum('changed')} changed, ${sum('missing')} missing, `
    + `${deferred} deferred (still being written), ${sum('probeErrors') + sum('walkErrors')} errors`;
}
