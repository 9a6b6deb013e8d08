/**
 * Folder watching while the app runs (Electron, `glimpse serve`; never one-shot CLI commands). Node 20 has no
 * recursive fs.watch on Linux, so every folder gets its own watcher (inotify: one watch per directory). Events
 * only mark a root dirty; after a quiet period (debounce: a copy fires hundreds of events) the root is rescanned
 * by the ordinary incremental index, which is cheap when little changed and already knows about moves,
 * half-written files and deletions. The watcher never decides anything itself.
 *
 * Degrading: above `maxDirs` folders, or when the kernel refuses more watches (ENOSPC: fs.inotify.max_user_watches;
 * EMFILE: max_user_instances or file descriptors), the root falls back to a periodic rescan and status() says so.
 */
import fs from 'node:fs';
import { envNumber } from '../core/env.ts';
import { verdictByName } from './media-detect.ts';
import { walkTree } from './walk.ts';

export interface WatchOptions {
  /** quiet time after the last event before a rescan */
  debounceMs: number;
  /** folders watched at most, over all roots */
  maxDirs: number;
  /** rescan period of a root that cannot be watched */
  pollMs: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = {
  debounceMs: envNumber('GLIMPSE_WATCH_DEBOUNCE_MS', 2000),
  maxDirs: envNumber('GLIMPSE_WATCH_MAX_DIRS', 8192),
  pollMs: envNumber('GLIMPSE_WATCH_POLL_MS', 5 * 60_000),
};

export interface RootWatchStatus {
  rootId: number;
  path: string;
  mode: 'watching' | 'polling';
  dirs: number;
  reason: string | null;
}
export interface WatchStatus {
  active: boolean;
  dirs: number;
  roots: RootWatchStatus[];
}

type WatchFn = (dir: string, listener: (event: string, filename: string | Buffer | null) => void) => fs.FSWatcher;
const nodeWatch: WatchFn = (dir, listener) => fs.watch(dir, { persistent: false }, listener);

interface RootState {
  id: number;
  path: string;
  mode: 'watching' | 'polling';
  reason: string | null;
  watchers: Map<string, fs.FSWatcher>;
  poll: NodeJS.Timeout | null;
}

export class LibraryWatcher {
  private roots = new Map<number, RootState>();
  private dirty = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    /** called with the roots to rescan (debounced; or periodically for polled roots) */
    private onChange: (rootIds: number[]) => void,
    private opts: WatchOptions = DEFAULT_WATCH_OPTIONS,
    /** fs.watch; replaceable only to simulate the kernel's watch limit in tests */
    private watchFn: WatchFn = nodeWatch,
    /** told whenever a root changes mode (e.g. to print a warning) */
    private onStatus: (s: RootWatchStatus) => void = () => {},
  ) {}

  /** Watch exactly these roots: new ones start, removed ones stop, existing ones pick up new/removed folders. */
  sync(roots: { id: number; path: string }[]): Promise<void> {
    this.syncing = this.syncing.then(() => this.doSync(roots)).catch(() => undefined);
    return this.syncing;
  }

  /** Rescan these roots after the debounce, as if something changed (e.g. a file that was still being written). */
  poke(rootIds: number[], delayMs = this.opts.debounceMs): void {
    if (this.closed) return;
    for (const id of rootIds) if (this.roots.has(id)) this.dirty.add(id);
    this.arm(delayMs);
  }

  status(): WatchStatus {
    const roots = [...this.roots.values()].map((r) => ({
      rootId: r.id,
      path: r.path,
      mode: r.mode,
      dirs: r.watchers.size,
      reason: r.reason,
    }));
    return { active: !this.closed, dirs: roots.reduce((a, r) => a + r.dirs, 0), roots };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.roots.values()) this.stopRoot(r);
    this.roots.clear();
  }

  private async doSync(roots: { id: number; path: string }[]): Promise<void> {
    if (this.closed) return;
    const want = new Map(roots.map((r) => [r.id, r]));
    for (const [id, r] of this.roots)
      if (!want.has(id) || want.get(id)!.path !== r.path) {
        this.stopRoot(r);
        this.roots.delete(id);
      }
    for (const root of roots) {
      if (this.closed) return;
      let st = this.roots.get(root.id);
      if (!st) {
        st = { id: root.id, path: root.path, mode: 'watching', reason: null, watchers: new Map(), poll: null };
        this.roots.set(root.id, st);
      }
      if (st.mode === 'polling') {
        this.stopRoot(st);
        st.mode = 'watching';
      } // the limit may have been raised, the disk plugged back
      await this.syncDirs(st);
    }
  }

  /** Add watchers for folders that appeared, drop those of folders that went away. */
  private async syncDirs(st: RootState): Promise<void> {
    const budget = this.opts.maxDirs - (this.status().dirs - st.watchers.size);
    const dirs = await listDirs(st.path, budget + 1);
    if (this.closed || st.mode !== 'watching') return;
    if (dirs.length > budget) return this.degrade(st, `more than ${this.opts.maxDirs} folders to watch`);
    const keep = new Set(dirs);
    for (const [d, w] of st.watchers)
      if (!keep.has(d)) {
        w.close();
        st.watchers.delete(d);
      }
    for (const d of dirs) {
      if (st.watchers.has(d)) continue;
      try {
        const w = this.watchFn(d, (_event, filename) => this.onEvent(st, filename));
        w.on('error', (e) => this.onWatchError(st, d, e));
        st.watchers.set(d, w);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue; // gone meanwhile: the rescan will know
        return this.degrade(
          st,
          code === 'ENOSPC'
            ? 'the system limit on watched folders is reached (ENOSPC: raise fs.inotify.max_user_watches)'
            : code === 'EMFILE'
              ? 'too many open watches (EMFILE: raise fs.inotify.max_user_instances or the open-file limit)'
              : `cannot watch ${d}: ${(e as Error).message}`,
        );
      }
    }
    if (st.watchers.size === 0 && dirs.length === 0) return this.degrade(st, 'library folder is not reachable');
    if (st.reason !== null) {
      st.reason = null;
      this.onStatus({ rootId: st.id, path: st.path, mode: 'watching', dirs: st.watchers.size, reason: null });
    }
  }

  private onEvent(st: RootState, filename: string | Buffer | null): void {
    if (this.closed) return;
    const name = filename?.toString() ?? '';
    // Our own database, its journal, caches and partial downloads must not make a rescan loop.
    if (name && (name.startsWith('.') || verdictByName(name) === 'skip')) return;
    this.dirty.add(st.id);
    this.arm(this.opts.debounceMs);
  }

  private onWatchError(st: RootState, dir: string, _e: Error): void {
    // A watched folder that was deleted or unmounted: drop its watcher and let a rescan sort the rows out.
    st.watchers.get(dir)?.close();
    st.watchers.delete(dir);
    this.dirty.add(st.id);
    this.arm(this.opts.debounceMs);
  }

  private arm(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fire(), delayMs);
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    this.timer = null;
    const ids = [...this.dirty];
    this.dirty.clear();
    if (!ids.length || this.closed) return;
    // New folders get their watchers before the rescan walks them, so nothing created meanwhile is missed.
    for (const id of ids) {
      const st = this.roots.get(id);
      if (st?.mode === 'watching') await this.syncDirs(st);
    }
    if (!this.closed) this.onChange(ids);
  }

  private degrade(st: RootState, reason: string): void {
    for (const w of st.watchers.values()) w.close();
    st.watchers.clear();
    const was = st.reason;
    st.mode = 'polling';
    st.reason = `${reason}; rescanning every ${Math.round(this.opts.pollMs / 1000)} s instead`;
    if (st.poll) clearInterval(st.poll);
    st.poll = setInterval(() => {
      if (!this.closed) this.onChange([st.id]);
    }, this.opts.pollMs);
    st.poll.unref();
    if (st.reason !== was) this.onStatus({ rootId: st.id, path: st.path, mode: st.mode, dirs: 0, reason: st.reason });
  }

  private stopRoot(st: RootState): void {
    for (const w of st.watchers.values()) w.close();
    st.watchers.clear();
    if (st.poll) clearInterval(st.poll);
    st.poll = null;
  }
}

/** Folders under `root` (itself included) that the index's walk visits (walkTree), at most `limit`. */
export async function listDirs(root: string, limit: number): Promise<string[]> {
  const out: string[] = [];
  if (limit <= 0) return out;
  for await (const e of walkTree(root)) {
    if (e.kind !== 'dir') continue;
    out.push(e.path);
    if (out.length >= limit) break;
  }
  return out;
}
