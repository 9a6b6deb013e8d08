/**
 * The on-disk media cache (beside the database): posters in `thumbs/`, frame JPEGs in `frames/`. Frames are
 * re-made on demand, so they are kept to a size limit, least recently used first (a cache hit touches the file's
 * mtime; atime is unreliable under relatime/noatime). Posters are what the grid shows and only a scan writes them,
 * so they are never evicted for size; only those of videos the library forgot (pruned) are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { envNumber } from '../core/env.ts';

/** Default limit of the regenerable cache (frames); env GLIMPSE_CACHE_MAX_MB. */
export const DEFAULT_CACHE_MAX_BYTES = envNumber('GLIMPSE_CACHE_MAX_MB', 512, { min: 1 }) * 1024 * 1024;

/** Subfolders of the cache dir that may be trimmed (their files are re-made when asked for). */
export const REGENERABLE = ['frames'];

/** The JPEG of frame `index` of scan `scanId` (written by the scan, or on demand when it was trimmed). */
export function frameJpegPath(cacheDir: string, videoId: number, scanId: number, index: number): string {
  return path.join(cacheDir, 'frames', `${videoId}-${scanId}-${index}.jpg`);
}

interface Entry {
  file: string;
  bytes: number;
  mtimeMs: number;
}

function entries(dir: string): Entry[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: Entry[] = [];
  for (const e of names) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...entries(file));
      continue;
    }
    if (!e.isFile()) continue;
    try {
      const st = fs.statSync(file);
      out.push({ file, bytes: st.size, mtimeMs: st.mtimeMs });
    } catch {
      /* raced with a delete */
    }
  }
  return out;
}

/** Bytes and number of the files under `dir`, subfolders included (0 and 0 when it does not exist). */
export function dirSize(dir: string): { bytes: number; files: number } {
  const all = entries(dir);
  return { bytes: all.reduce((a, e) => a + e.bytes, 0), files: all.length };
}

/** Mark a cached file as just used (LRU order). */
export function touchCached(file: string): void {
  const now = new Date();
  try {
    fs.utimesSync(file, now, now);
  } catch {
    /* gone: it will be re-made */
  }
}

/**
 * Delete least recently used files of `dirs` until their total is at most `maxBytes`. Leftover temp files of a
 * killed writer (`*.tmp.jpg`) go first, whatever their age.
 */
export function trimLru(dirs: string[], maxBytes: number): { files: number; freedBytes: number; bytes: number } {
  const all = dirs.flatMap(entries);
  let total = all.reduce((a, e) => a + e.bytes, 0);
  let files = 0,
    freedBytes = 0;
  const drop = (e: Entry) => {
    try {
      fs.rmSync(e.file, { force: true });
      files++;
      freedBytes += e.bytes;
      total -= e.bytes;
    } catch {
      /* keep going */
    }
  };
  const stale = Date.now() - 10 * 60_000; // a temp file older than this has no living writer
  for (const e of all) if (/\.tmp\.jpg$/.test(e.file) && e.mtimeMs < stale) drop(e);
  for (const e of all.filter((x) => !/\.tmp\.jpg$/.test(x.file)).sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= maxBytes) break;
    drop(e);
  }
  return { files, freedBytes, bytes: total };
}

/** Remove posters (`<id>.jpg`) and other per-video files whose video id is not in `liveIds`. */
export function removeOrphans(dir: string, liveIds: Set<number>): { files: number; freedBytes: number } {
  let files = 0,
    freedBytes = 0;
  for (const e of entries(dir)) {
    const id = Number(/^(\d+)[-.]/.exec(path.basename(e.file))?.[1]);
    if (Number.isInteger(id) && !liveIds.has(id)) {
      try {
        fs.rmSync(e.file, { force: true });
        files++;
        freedBytes += e.bytes;
      } catch {
        /* keep going */
      }
    }
  }
  return { files, freedBytes };
}
