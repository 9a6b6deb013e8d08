/**
 * Finds candidate video files under a root. Probing decides what is really a video; this only skips the
 * obvious (see media-detect.ts). Iterative (no recursion limit on deep trees), every directory visited once by
 * its real path (symlink loops end), and an unreadable entry is recorded and skipped, never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileStat } from '../store/library-repo.ts';
import { sniffVideo, verdictByName } from './media-detect.ts';

export { VIDEO_EXTENSIONS } from './media-detect.ts';

export interface WalkResult { files: FileStat[]; errors: { path: string; error: string }[] }

const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.syscall ?? 'access'} failed` : err.message;
};

export async function walkVideos(root: string, signal?: AbortSignal): Promise<WalkResult> {
  const files: FileStat[] = [];
  const errors: WalkResult['errors'] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>(); // a file reached through two symlinked folders is one file
  const stack = [root];
  while (stack.length) {
    if (signal?.aborted) break;
    const dir = stack.pop()!;
    let real: string;
    try { real = await fs.promises.realpath(dir); } catch (e) { errors.push({ path: dir, error: errText(e) }); continue; }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    let entries: fs.Dirent[];
    try { entries = await fs.promises.readdir(dir, { withFileTypes: true }); } catch (e) {
      errors.push({ path: dir, error: errText(e) }); continue;
    }
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue; // hidden files and folders (.git, .thumbnails, ._ resource forks)
      const p = path.join(dir, ent.name);
      if (ent.isFile()) {
        const verdict = verdictByName(ent.name);
        if (verdict === 'skip') continue; // not even a stat for obvious non-media
        await addFile(p, ent.name, verdict === 'maybe');
      } else if (ent.isDirectory()) {
        stack.push(p);
      } else if (ent.isSymbolicLink()) {
        let st: fs.Stats;
        try { st = await fs.promises.stat(p); } catch (e) { errors.push({ path: p, error: errText(e) }); continue; }
        if (st.isDirectory()) stack.push(p);
        else if (st.isFile()) {
          const verdict = verdictByName(ent.name);
          if (verdict !== 'skip') await addFile(p, ent.name, verdict === 'maybe', st);
        }
      } // sockets, FIFOs and devices are never read: a FIFO would block the walk forever
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors };

  async function addFile(p: string, name: string, sniff: boolean, known?: fs.Stats): Promise<void> {
    let st = known;
    try { st ??= await fs.promises.stat(p); } catch (e) { errors.push({ path: p, error: errText(e) }); return; }
    const id = `${st.dev}:${st.ino}`;
    if (seenFiles.has(id)) return;
    if (st.size === 0 && sniff) return;
    if (st.size === 0) { seenFiles.add(id); files.push({ path: p, name, sizeBytes: 0, mtimeMs: st.mtimeMs }); return; }
    if (sniff && !(await sniffVideo(p))) return;
    seenFiles.add(id);
    files.push({ path: p, name, sizeBytes: st.size, mtimeMs: st.mtimeMs });
  }
}
