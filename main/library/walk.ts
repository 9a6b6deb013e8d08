/**
 * Finds candidate video files under a root. Probing decides what is really a video; this only skips the
 * obvious (see media-detect.ts). The walk itself (walkTree) is iterative (no recursion limit on deep trees),
 * visits every directory once by its real path (symlink loops end), and records an unreadable entry and skips it,
 * never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileStat } from '../store/library-repo.ts';
import { sniffVideo, verdictByName } from './media-detect.ts';

export { VIDEO_EXTENSIONS } from './media-detect.ts';

export interface WalkResult {
  files: FileStat[];
  errors: { path: string; error: string }[];
}

const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.syscall ?? 'access'} failed` : err.message;
};

/** What walkTree meets: a folder it has read, or a file in one (`stat` is known when it was reached by a symlink). */
export type TreeEntry = { kind: 'dir'; path: string } | { kind: 'file'; path: string; name: string; stat?: fs.Stats };

/**
 * The one directory walk of the library (the index and the folder watcher both use it): depth first without
 * recursion, every folder read once by its real path (symlink loops end), symlinks followed, hidden entries
 * (`.git`, `.thumbnails`, `._` resource forks) skipped, sockets, FIFOs and devices never touched (a FIFO would
 * block the walk forever). A folder is yielded once it has been read, before its contents; an unreadable entry
 * goes to `onError` and is skipped, never fatal. `signal` stops the walk before the next folder.
 */
export async function* walkTree(
  root: string,
  o: { signal?: AbortSignal; onError?: (path: string, e: unknown) => void } = {},
): AsyncGenerator<TreeEntry> {
  const onError = o.onError ?? (() => {});
  const seenDirs = new Set<string>();
  const stack = [root];
  while (stack.length) {
    if (o.signal?.aborted) return;
    const dir = stack.pop()!;
    let real: string;
    try {
      real = await fs.promises.realpath(dir);
    } catch (e) {
      onError(dir, e);
      continue;
    }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (e) {
      onError(dir, e);
      continue;
    }
    yield { kind: 'dir', path: dir };
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue;
      const p = path.join(dir, ent.name);
      if (ent.isFile()) yield { kind: 'file', path: p, name: ent.name };
      else if (ent.isDirectory()) stack.push(p);
      else if (ent.isSymbolicLink()) {
        let st: fs.Stats;
        try {
          st = await fs.promises.stat(p);
        } catch (e) {
          onError(p, e);
          continue;
        }
        if (st.isDirectory()) stack.push(p);
        else if (st.isFile()) yield { kind: 'file', path: p, name: ent.name, stat: st };
      }
    }
  }
}

export async function walkVideos(root: string, signal?: AbortSignal): Promise<WalkResult> {
  const files: FileStat[] = [];
  const errors: WalkResult['errors'] = [];
  const seenFiles = new Set<string>(); // a file reached through two symlinked folders is one file
  const onError = (p: string, e: unknown) => {
    errors.push({ path: p, error: errText(e) });
  };
  for await (const ent of walkTree(root, { signal, onError })) {
    if (ent.kind !== 'file') continue;
    const verdict = verdictByName(ent.name);
    if (verdict === 'skip') continue; // not even a stat for obvious non-media
    await addFile(ent.path, ent.name, verdict === 'maybe', ent.stat);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors };

  async function addFile(p: string, name: string, sniff: boolean, known?: fs.Stats): Promise<void> {
    let st = known;
    try {
      st ??= await fs.promises.stat(p);
    } catch (e) {
      onError(p, e);
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seenFiles.has(id)) return;
    if (st.size === 0 && sniff) return;
    if (st.size === 0) {
      seenFiles.add(id);
      files.push({ path: p, name, sizeBytes: 0, mtimeMs: st.mtimeMs });
      return;
    }
    if (sniff && !(await sniffVideo(p))) return;
    seenFiles.add(id);
    files.push({ path: p, name, sizeBytes: st.size, mtimeMs: st.mtimeMs });
  }
}
