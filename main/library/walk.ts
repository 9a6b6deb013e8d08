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
import { isBelow } from '../core/paths.ts';

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
 * recursion, every folder read once by its real path (symlink loops end), symlinks followed only while they stay
 * inside the root (one escaping it is an error, never followed), names that are not valid UTF-8 reported as errors
 * with their bytes escaped (Node cannot give them a usable path string), hidden entries
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
  // Symlinks are followed only while they stay inside the root: a link to `/` or to another disk must not index it.
  let rootReal: string | null = null;
  const inside = (real: string) => rootReal === null || real === rootReal || isBelow(real, rootReal);
  const escapes = (p: string, real: string) =>
    onError(p, new Error(`link points outside the library folder (to ${escapeControl(real)}); not followed`));
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
    rootReal ??= real;
    if (!inside(real)) {
      escapes(dir, real);
      continue;
    }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    let entries: fs.Dirent[];
    let badNames: Map<string, string>;
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
      badNames = await invalidUtf8Names(dir, entries);
    } catch (e) {
      onError(dir, e);
      continue;
    }
    yield { kind: 'dir', path: dir };
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue;
      const bad = badNames.get(ent.name);
      if (bad !== undefined) {
        // Node decodes names as UTF-8 with U+FFFD in place of invalid bytes, so that path does not exist: say why.
        const what = ent.isDirectory() ? 'folder' : 'file';
        onError(path.join(dir, bad), new Error(`${what} name is not valid UTF-8: ${bad} (rename it to index it)`));
        continue;
      }
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
        if (!st.isDirectory() && !st.isFile()) continue; // a link to a FIFO, socket or device
        let real: string;
        try {
          real = await fs.promises.realpath(p);
        } catch (e) {
          onError(p, e);
          continue;
        }
        if (!inside(real)) escapes(p, real);
        else if (st.isDirectory()) stack.push(p);
        else yield { kind: 'file', path: p, name: ent.name, stat: st };
      }
    }
  }
}

/** Control characters (a newline in a file name) as visible escapes, so a name never breaks a line of output. */
export function escapeControl(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** A file name's bytes with every byte that is not part of valid UTF-8 (and every control character) escaped as \xNN. */
export function escapeNameBytes(b: Buffer): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const lead = b[i];
    const n = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    const chunk = n ? b.subarray(i, i + n) : null;
    if (chunk && chunk.length === n && Buffer.from(chunk.toString('utf8'), 'utf8').equals(chunk)) {
      out += escapeControl(chunk.toString('utf8'));
      i += n;
    } else {
      out += `\\x${lead.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/**
 * Names in `dir` that are not valid UTF-8: Node's (lossy) decoded name → the escaped bytes. Costs a second readdir
 * only when a name holds U+FFFD.
 */
async function invalidUtf8Names(dir: string, entries: fs.Dirent[]): Promise<Map<string, string>> {
  const bad = new Map<string, string>();
  if (!entries.some((e) => e.name.includes('\ufffd'))) return bad;
  for (const raw of await fs.promises.readdir(dir, { encoding: 'buffer' })) {
    const decoded = raw.toString('utf8');
    if (!Buffer.from(decoded, 'utf8').equals(raw)) bad.set(decoded, escapeNameBytes(raw));
  }
  return bad;
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
