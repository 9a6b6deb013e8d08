/** Finds candidate video files under a root. Probing decides what is really a video; this only skips the obvious. */
import fs from 'node:fs';
import path from 'node:path';
import type { FileStat } from '../store/library-repo.ts';

export const VIDEO_EXTENSIONS = new Set([
  '.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.wmv', '.flv', '.mpg', '.mpeg', '.ts', '.mts', '.m2ts',
  '.3gp', '.ogv', '.gif', '.vob', '.mxf',
]);

export interface WalkResult { files: FileStat[]; errors: { path: string; error: string }[] }

export async function walkVideos(root: string): Promise<WalkResult> {
  const files: FileStat[] = [];
  const errors: WalkResult['errors'] = [];
  const seenDirs = new Set<string>(); // real paths: a symlink loop is walked once
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let real: string;
    try { real = await fs.promises.realpath(dir); } catch (e) { errors.push({ path: dir, error: (e as Error).message }); continue; }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    let entries: fs.Dirent[];
    try { entries = await fs.promises.readdir(dir, { withFileTypes: true }); } catch (e) {
      errors.push({ path: dir, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message }); continue;
    }
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue; // hidden files and folders (.git, .thumbnails, ._ resource forks)
      const p = path.join(dir, ent.name);
      let st: fs.Stats;
      try { st = await fs.promises.stat(p); } catch (e) { errors.push({ path: p, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message }); continue; }
      if (st.isDirectory()) stack.push(p);
      else if (st.isFile() && VIDEO_EXTENSIONS.has(path.extname(ent.name).toLowerCase())) {
        files.push({ path: p, name: ent.name, sizeBytes: st.size, mtimeMs: st.mtimeMs });
      }
    }
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, errors };
}
