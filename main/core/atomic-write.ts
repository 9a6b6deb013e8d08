/**
 * Atomic writes for every file Glimpse owns: the bytes go to `<file>.tmp-<pid>-<rand>` in the same folder, are
 * fsynced, then renamed over `<file>` (and the folder is fsynced, best effort). A process killed at any moment
 * leaves either the old file or the new one, never half of one; at worst a stale temp file, which
 * `sweepStaleTemp` (called at engine start-up) removes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The temp name of `file` for this process: same folder (so the rename never crosses file systems). */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some file systems (and Windows) cannot fsync a folder: the rename is still atomic */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write `data` to `file` atomically (temp + fsync + rename). Creates the folder. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}

/** The same, without blocking the event loop on the write and fsync. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    const h = await fs.promises.open(tmp, 'w', 0o644);
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}

/** Whether a process of this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temp names Glimpse writes, with the writer's pid: `<f>.tmp-<pid>-<rand>` (writeFileAtomic), `<dir>.tmp-<pid>`
 * (a model folder being written by training), `<f>.<pid>.tmp.jpg` (ffmpeg posters), `<dir>.old-<pid>` (the
 * previous models during the swap).
 */
const TEMP = [/\.tmp-(\d+)(?:-[0-9a-f]+)?$/, /\.(\d+)\.tmp\.jpg$/];
const OLD = /^(.*)\.old-(\d+)$/;

export interface SweepResult {
  removed: string[];
  restored: string[];
}

/**
 * Start-up sweep of what killed writers left behind in `dirs` (a few levels deep): temp files and folders whose
 * writer is gone, or older than `maxAgeMs` (never this process's own). A `<x>.old-<pid>` folder of a dead writer
 * is the previous version of `<x>` from an interrupted swap: it is put back when `<x>` is missing, else removed.
 * Never throws: a sweep that cannot remove something leaves it for the next start.
 */
export function sweepStaleTemp(dirs: string[], o: { maxAgeMs?: number; depth?: number } = {}): SweepResult {
  const maxAge = o.maxAgeMs ?? 10 * 60_000;
  const out: SweepResult = { removed: [], restored: [] };
  const stale = (p: string, pid: number): boolean => {
    if (pid === process.pid) return false;
    if (!pidAlive(pid)) return true;
    const st = fs.statSync(p, { throwIfNoEntry: false });
    return !!st && Date.now() - st.mtimeMs > maxAge;
  };
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      try {
        const tmp = TEMP.map((r) => r.exec(e.name)).find(Boolean);
        const old = OLD.exec(e.name);
        if (tmp) {
          if (stale(p, Number(tmp[1]))) {
            fs.rmSync(p, { recursive: true, force: true });
            out.removed.push(p);
          }
        } else if (old) {
          if (stale(p, Number(old[2]))) {
            const target = path.join(dir, old[1]);
            if (!fs.existsSync(target)) {
              fs.renameSync(p, target);
              out.restored.push(target);
            } else {
              fs.rmSync(p, { recursive: true, force: true });
              out.removed.push(p);
            }
          }
        } else if (e.isDirectory() && depth > 0) walk(p, depth - 1);
      } catch {
        /* left for the next start */
      }
    }
  };
  for (const d of dirs) walk(d, o.depth ?? 3);
  return out;
}
