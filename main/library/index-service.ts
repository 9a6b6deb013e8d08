/**
 * Incremental indexing of library roots. Only new or changed files cost anything: an unchanged file (same
 * path, size and mtime) is not even opened. New files are matched by content fingerprint against videos that
 * went missing, so a move or rename keeps scans, tags and human edits. Every step commits on its own, so a
 * killed run loses nothing already written and the next run picks up unprobed rows where it stopped.
 */
import os from 'node:os';
import fs from 'node:fs';
import { MediaError, asMediaError, probe } from '../media/ffmpeg.ts';
import type { IndexRepo, IndexedRow, NewFile } from '../store/index-repo.ts';
import type { FileStat, LibraryRepo, RootRow } from '../store/library-repo.ts';
import { fingerprint } from './fingerprint.ts';
import { walkVideos } from './walk.ts';
import { envNumber } from '../core/env.ts';
import { isBelow } from '../core/paths.ts';

export interface IndexSettings {
  /**
   * A file modified this recently may still be being written (a copy, a download, a recording). It is looked
   * at again after `settleCheckMs`: if it grew or changed meanwhile it is deferred to the next rescan.
   */
  settleMs: number;
  settleCheckMs: number;
  /** ffprobe processes at once. */
  probeConcurrency: number;
  /** Probe during indexing (metadata-only index); otherwise the scan probes. */
  probe: boolean;
}

export const DEFAULT_INDEX_SETTINGS: IndexSettings = {
  settleMs: envNumber('GLIMPSE_SETTLE_MS', 5000),
  settleCheckMs: envNumber('GLIMPSE_SETTLE_CHECK_MS', 1000),
  probeConcurrency: Math.max(1, Math.min(4, os.availableParallelism?.() ?? 2)),
  probe: true,
};

export interface IndexReport {
  root: string;
  files: number;
  added: number;
  moved: number;
  changed: number;
  touched: number;
  unchanged: number;
  missing: number;
  deferred: string[];
  probed: number;
  probeErrors: number;
  walkErrors: number;
  /** probes that failed for the machine's reasons (timeout, permission): the videos stay pending and are retried */
  retryable: number;
  /** why the root was not indexed at all (missing, empty while the library has videos there, another device): nothing was marked missing */
  unreachable: string | null;
  seconds: number;
}

export interface IndexContext {
  signal: AbortSignal;
  progress(done: number, total: number, message?: string): void;
  /** the job queue's pause point (see JobContext.checkpoint) */
  checkpoint?(): Promise<void>;
  /** called once a root turns out to hold files to probe (new or changed): a scan will follow, get its models ready */
  onProbeWork?(): void;
}

export class IndexService {
  constructor(
    private repo: IndexRepo,
    private library: LibraryRepo,
    readonly settings: IndexSettings = DEFAULT_INDEX_SETTINGS,
  ) {}

  async indexRoots(roots: RootRow[], ctx: IndexContext): Promise<IndexReport[]> {
    const reports: IndexReport[] = [];
    for (const root of roots) {
      if (ctx.signal.aborted) break;
      reports.push(await this.indexRoot(root, ctx));
    }
    return reports;
  }

  async indexRoot(root: RootRow, ctx: IndexContext): Promise<IndexReport> {
    const t0 = performance.now();
    const r: IndexReport = {
      root: root.path,
      files: 0,
      added: 0,
      moved: 0,
      changed: 0,
      touched: 0,
      unchanged: 0,
      missing: 0,
      deferred: [],
      probed: 0,
      probeErrors: 0,
      walkErrors: 0,
      retryable: 0,
      unreachable: null,
      seconds: 0,
    };
    // An unplugged disk is not a deleted library: keep every row as it is and say so.
    const unreachable = (why: string): IndexReport => {
      this.repo.replaceWalkErrors(root.id, [{ path: root.path, error: `library folder is not reachable: ${why}` }]);
      return { ...r, walkErrors: 1, unreachable: why, seconds: (performance.now() - t0) / 1000 };
    };
    ctx.progress(0, 0, `walking ${root.path}`);
    const st = fs.statSync(root.path, { throwIfNoEntry: false });
    if (!st) return unreachable('the folder is missing (unmounted or removed?)');
    const walk = await walkVideos(root.path, ctx.signal);
    if (ctx.signal.aborted) return r; // a partial walk must not mark the unwalked rest missing

    // Pass 1, by path only (no file is opened): sort out unchanged, changed, new and still-being-written.
    const known = new Map(this.repo.rowsOfRoot(root.id).map((row) => [row.path, row]));
    // An unmounted drive leaves its mount point: an empty folder, or one on another device. Either while the library
    // remembers videos there means the drive is not there, not that every video was deleted (and prune would then
    // forget their human tags).
    const present = [...known.values()].filter((row) => row.status !== 'missing');
    const found = walk.files.some((f) => (known.get(f.path)?.status ?? 'missing') !== 'missing');
    if (present.length && !walk.files.length && !walk.errors.length)
      return unreachable(
        `the folder is empty but the library has ${present.length} video${present.length === 1 ? '' : 's'} there ` +
          '(unmounted? if they were deleted, remove the root)',
      );
    if (root.dev !== null && root.dev !== undefined && root.dev !== st.dev && present.length && !found)
      return unreachable(`the folder is on another device than at the last index (${root.dev} → ${st.dev}: unmounted?)`);
    if (root.dev !== st.dev) this.library.setRootDev(root.id, st.dev);
    r.files = walk.files.length;
    r.walkErrors = walk.errors.length;
    this.repo.replaceWalkErrors(root.id, walk.errors);

    const seen = new Set<string>();
    const changed: { row: IndexedRow; file: FileStat }[] = [];
    const fresh: FileStat[] = [];
    const now = Date.now();
    const recent = walk.files.filter((f) => now - f.mtimeMs < this.settings.settleMs);
    const recentPaths = new Set(recent.map((f) => f.path));
    const growing = new Set<string>();
    if (recent.length) {
      await new Promise((res) => setTimeout(res, this.settings.settleCheckMs));
      for (const f of recent) {
        const st = await fs.promises.stat(f.path).catch(() => null);
        if (!st || st.size !== f.sizeBytes || st.mtimeMs !== f.mtimeMs) growing.add(f.path);
      }
    }
    for (const f of walk.files) {
      seen.add(f.path);
      if (growing.has(f.path)) {
        r.deferred.push(f.path);
        continue;
      }
      const row = known.get(f.path);
      if (!row) fresh.push(f);
      else if (row.size_bytes !== f.sizeBytes || row.mtime_ms !== Math.round(f.mtimeMs) || row.status === 'missing' || !row.fingerprint) {
        changed.push({ row, file: f });
      } else r.unchanged++;
    }
    // Unreadable folders hide their files, they do not delete them.
    const unreadable = walk.errors.map((e) => e.path + '/');
    const gone = [...known.values()].filter(
      (row) => !seen.has(row.path) && row.status !== 'missing' && !unreadable.some((d) => isBelow(row.path, d)),
    );
    // Missing first, so pass 2 can find a moved file's old row among them.
    this.repo.transaction(() => this.repo.markMissing(gone.map((g) => g.id)));
    r.missing = gone.length;

    // Pass 2: fingerprint what is new or changed.
    const unread = new Set<number>(); // rows found unreadable: not probed either
    const total = changed.length + fresh.length;
    let done = 0;
    for (const { row, file } of changed) {
      await ctx.checkpoint?.();
      if (ctx.signal.aborted) return r;
      const fp = await this.settledFingerprint(file);
      ctx.progress(++done, total, `fingerprinting ${file.name}`);
      if (fp && typeof fp === 'object') {
        this.library.setError(row.id, fp.error, true);
        unread.add(row.id);
        r.retryable++;
        continue;
      }
      if (!fp || (recentPaths.has(file.path) && (await this.unfinished(file, ctx.signal)))) {
        r.deferred.push(file.path);
        continue;
      }
      if (fp === row.fingerprint) {
        this.repo.touch(row.id, file.mtimeMs);
        r.touched++;
      } else {
        this.repo.markChanged(row.id, file.sizeBytes, file.mtimeMs, fp);
        r.changed++;
      }
    }
    for (const file of fresh) {
      await ctx.checkpoint?.();
      if (ctx.signal.aborted) return r;
      const fp = await this.settledFingerprint(file);
      ctx.progress(++done, total, `fingerprinting ${file.name}`);
      if (fp && typeof fp === 'object') {
        // Unreadable (permission denied): a row that says so, retried by the next rescan; not "still being written",
        // which would be deferred, and under a watcher looked at again every few seconds, forever.
        try {
          const id = this.repo.insertUnread({
            rootId: root.id,
            path: file.path,
            name: file.name,
            sizeBytes: file.sizeBytes,
            mtimeMs: file.mtimeMs,
          });
          this.library.setError(id, fp.error, true);
          unread.add(id);
          r.added++;
          r.retryable++;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        }
        continue;
      }
      if (!fp || (recentPaths.has(file.path) && (await this.unfinished(file, ctx.signal)))) {
        r.deferred.push(file.path);
        continue;
      }
      const nf: NewFile = {
        rootId: root.id,
        path: file.path,
        name: file.name,
        sizeBytes: file.sizeBytes,
        mtimeMs: file.mtimeMs,
        fingerprint: fp,
      };
      const old = this.repo
        .candidatesByFingerprint(fp)
        .find((c) => c.path !== file.path && (c.status === 'missing' || !fs.existsSync(c.path)));
      try {
        if (old) {
          this.repo.relocate(old.id, nf);
          r.moved++;
          if (gone.some((g) => g.id === old.id)) r.missing--;
        } else {
          this.repo.insert(nf);
          r.added++;
        }
      } catch (e) {
        // The same path under another (nested) root already belongs to that root.
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
      }
    }

    // Pass 3: probe what was never probed (this run's new/changed files and whatever a killed run left).
    if (this.settings.probe) {
      const todo = this.repo.unprobed([root.id]).filter((v) => !unread.has(v.id));
      // Only new or changed files mean a scan follows; re-reading dates below does not.
      if (todo.length) ctx.onProbeWork?.();
      // Videos probed before the date recorded was read (migration 11): probed once more, for that date only. Their
      // probe was fine then and the file has not changed, so a failure now does not mark them broken.
      const dateOnly = new Set<number>();
      const queued = new Set(todo.map((t) => t.id));
      for (const v of this.repo.recordedUnread([root.id])) {
        if (unread.has(v.id) || queued.has(v.id)) continue;
        dateOnly.add(v.id);
        todo.push(v);
      }
      let pdone = 0;
      await pool(todo, this.settings.probeConcurrency, async (v) => {
        await ctx.checkpoint?.();
        if (ctx.signal.aborted) return;
        if (dateOnly.has(v.id)) {
          try {
            this.library.setProbe(v.id, await probe(v.path, { signal: ctx.signal }));
          } catch (e) {
            const me = asMediaError(e);
            if (!me) throw e;
            if (!me.retryable) this.library.setRecordedUnreadable(v.id); // a timeout is tried again next rescan
          }
          r.probed++;
          ctx.progress(++pdone, todo.length, `reading the date of ${v.path}`);
          return;
        }
        try {
          // ffprobe would call an empty file "moov atom not found"; say what it is (a later write makes it pending again).
          if ((await fs.promises.stat(v.path).catch(() => null))?.size === 0)
            throw new MediaError('not a readable video: empty file (0 bytes)');
          this.library.setProbe(v.id, await probe(v.path, { signal: ctx.signal })); // a cancel kills the ffprobe
        } catch (e) {
          const me = asMediaError(e);
          if (!me) throw e;
          this.library.setError(v.id, me.message, me.retryable);
          if (me.retryable) r.retryable++;
          else r.probeErrors++;
        }
        r.probed++;
        ctx.progress(++pdone, todo.length, `probing ${v.path}`);
      });
    }
    r.seconds = (performance.now() - t0) / 1000;
    return r;
  }

  /**
   * Whether a file modified moments ago, whose size and mtime held still during the settle check, is still being
   * written all the same: a writer can pause longer than the check (a recording at 1x speed, `ffmpeg -re`, flushes
   * every few seconds; a slow download), and an mp4 being written has no index (moov) until its writer finishes,
   * so a complete probe is what says it is done (formats readable from a prefix, such as mkv or ts, rely on the
   * size/mtime check alone). Deferred, it is looked at again (by the watcher after the settle
   * time, or the next rescan), never tagged from a prefix nor marked broken. A probe failing for the machine's
   * reasons (timeout, permission) is not an answer: the file is indexed and the probe pass records that failure.
   */
  private async unfinished(f: FileStat, signal: AbortSignal): Promise<boolean> {
    if (!this.settings.probe || f.sizeBytes === 0) return false; // an empty file is said to be empty by the probe pass
    try {
      await probe(f.path, { signal });
      return false;
    } catch (e) {
      const me = asMediaError(e);
      if (!me) throw e;
      // Only what a file being written looks like: an mp4/mov whose index (moov) is not there yet. Other failures of
      // a fresh file (text named .mp4) are the file's, recorded as usual by the probe pass.
      return !me.retryable && UNFINISHED.test(me.message);
    }
  }

  /**
   * The fingerprint, or null when the file changed while being read (still being written), or an error when it
   * cannot be read at all (permission denied, I/O error): that is not a file being written, and is recorded.
   */
  private async settledFingerprint(f: FileStat): Promise<string | null | { error: string }> {
    try {
      const fp = await fingerprint(f.path, f.sizeBytes);
      const st = await fs.promises.stat(f.path);
      return st.size === f.sizeBytes && st.mtimeMs === f.mtimeMs ? fp : null;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EACCES' || code === 'EPERM') return { error: `permission denied: ${f.path}` };
      if (code === 'EIO') return { error: `input/output error reading ${f.path}` };
      return null; // vanished between walk and read: the next walk will know
    }
  }
}

/** ffprobe's words for a file whose writer has not finished (mp4/mov write their index last). */
const UNFINISHED = /moov atom not found|partial file/i;

/** Run `fn` over `items`, `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
