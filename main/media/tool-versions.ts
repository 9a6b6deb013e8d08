/**
 * What `ffmpeg -version` / `ffprobe -version` printed, remembered across processes for the very same binary.
 * Debian's ffmpeg links ~215 shared libraries and needs ~0.18 s (mostly the dynamic loader) just to print its
 * version; every `glimpse add` ran both, one after the other and synchronously, before its first probe (0.36 s of
 * a 5 s single-video add). The answer cannot change while the file is the same one (same real path, device, inode,
 * size, modification and change times): an upgrade or a replaced binary is a different key and is asked again.
 * Only successful answers are stored; a missing or broken tool is asked every time. The file is a cache: unreadable,
 * corrupt or unwritable, it is ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../core/atomic-write.ts';
import { userDataDir } from '../core/paths.ts';

const MAX_ENTRIES = 16;

/** The cache file: beside every library's settings, in the user's Glimpse folder. */
export function toolVersionsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDataDir(env), 'tool-versions.json');
}

/** The identity of the binary at `p` (symlinks resolved), or null when it cannot be read. */
export function binaryKey(p: string): string | null {
  try {
    const real = fs.realpathSync(p);
    const st = fs.statSync(real, { bigint: true });
    if (!st.isFile()) return null;
    return [real, st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join('|');
  } catch {
    return null;
  }
}

function readAll(file: string): Record<string, string> {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** The remembered `-version` output of the binary at `p`, if it is still the same file. */
export function rememberedVersion(p: string, file = toolVersionsFile()): string | null {
  const key = binaryKey(p);
  return key ? (readAll(file)[key] ?? null) : null;
}

/** Remember `text` as what the binary at `p` printed for `-version` (best effort). */
export function rememberVersion(p: string, text: string, file = toolVersionsFile()): void {
  const key = binaryKey(p);
  if (!key) return;
  try {
    const all = readAll(file);
    delete all[key];
    const entries = [...Object.entries(all), [key, text] as [string, string]].slice(-MAX_ENTRIES);
    writeFileAtomicSync(file, JSON.stringify(Object.fromEntries(entries)));
  } catch {
    /* a read-only home: asked again next time */
  }
}
