/**
 * sha256 of every weight file Glimpse loads, checked before the bytes are used: a damaged, truncated or swapped
 * file is refused with its name and both hashes instead of tagging wrongly.
 *
 * - Shipped files (the npm-bundled frame CNNs and resources/models/<model>/…) are listed in one checked-in file,
 *   resources/models/checksums.json, made by `node --import tsx resources/models/checksums.ts`.
 * - A model folder written by training carries its own `checksums.json` (written last, atomically).
 * - A model folder with neither (tests, a model trained by an older Glimpse) loads on its internal hashes only.
 * Each file is hashed once per process (again only if its size or mtime changes).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.ts';

export const CHECKSUMS = 'checksums.json';

export interface FileSum {
  sha256: string;
  bytes: number;
}

export interface ChecksumList {
  format: 'glimpse-checksums';
  version: 1;
  /** how to remake the list (shipped) or what wrote it (training) */
  note?: string;
  /** versions of the npm packages whose files are listed */
  packages?: Record<string, string>;
  /** path (relative to the list's folder, or `npm:<package>/<path>`) → hash */
  files: Record<string, FileSum>;
}

export class ChecksumError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ChecksumError';
  }
}

const cache = new Map<string, FileSum & { key: string }>();

/** sha256 and size of a file, hashed once per process while its size and mtime stay the same. */
export function sumFile(file: string): FileSum {
  const st = fs.statSync(file);
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = cache.get(file);
  if (hit?.key === key) return { sha256: hit.sha256, bytes: hit.bytes };
  const data = fs.readFileSync(file);
  const sum = { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
  cache.set(file, { ...sum, key });
  return sum;
}

/** Throws a ChecksumError naming `file`, the expected and the actual hash, unless the file matches. */
export function verifyFile(file: string, expected: FileSum | undefined, list: string): void {
  if (!expected) throw new ChecksumError(`${file}: no checksum recorded in ${list}; refusing to load an unlisted model file`, file);
  let actual: FileSum;
  try {
    actual = sumFile(file);
  } catch (e) {
    throw new ChecksumError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  if (actual.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) {
    throw new ChecksumError(
      `${file}: damaged or altered model file: sha256 ${actual.sha256} (${actual.bytes} bytes), expected ${expected.sha256} ` +
        `(${expected.bytes} bytes, from ${list}); reinstall Glimpse${/[/\\]models[/\\](teacher|student)[/\\]/.test(file) ? ' or retrain (glimpse train)' : ''}`,
      file,
    );
  }
}

const lists = new Map<string, { key: string; list: ChecksumList | null }>();

/** A checksums.json (cached while unchanged); null when the file does not exist. Unparsable ⇒ an error naming it. */
export function readChecksums(file: string): ChecksumList | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return null;
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = lists.get(file);
  if (hit?.key === key) return hit.list;
  let list: ChecksumList;
  try {
    list = JSON.parse(fs.readFileSync(file, 'utf8')) as ChecksumList;
  } catch (e) {
    throw new ChecksumError(`${file}: unreadable checksum list (${(e as Error).message.split('\n')[0]})`, file);
  }
  if (list?.format !== 'glimpse-checksums' || typeof list.files !== 'object' || !list.files) {
    throw new ChecksumError(`${file}: not a Glimpse checksum list`, file);
  }
  lists.set(file, { key, list });
  return list;
}

/** The files of a model folder that carry weights or settings: manifest.json and, for tfjs families, weights.bin. */
function modelFilesIn(dir: string): string[] {
  return ['manifest.json', 'weights.bin'].filter((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * Checks a video-model folder before it is read: against its own checksums.json (models trained on the library),
 * else against the list of the folder above (the shipped resources/models/checksums.json, which must then list
 * it); a folder with neither loads unchecked. Returns where the hashes came from, or null.
 */
export function verifyModelDir(dir: string): string | null {
  const own = path.join(dir, CHECKSUMS);
  const ownList = readChecksums(own);
  if (ownList) {
    for (const f of modelFilesIn(dir)) verifyFile(path.join(dir, f), ownList.files[f], own);
    return own;
  }
  const parent = path.join(path.dirname(dir), CHECKSUMS);
  const parentList = readChecksums(parent);
  if (parentList) {
    const base = path.basename(dir);
    for (const f of modelFilesIn(dir)) verifyFile(path.join(dir, f), parentList.files[`${base}/${f}`], parent);
    return parent;
  }
  return null;
}

/** Writes `<dir>/checksums.json` for the model files in `dir` (after they are written: it goes last). */
export async function writeModelChecksums(dir: string, note = 'written with the model by Glimpse'): Promise<ChecksumList> {
  const files: Record<string, FileSum> = {};
  for (const f of modelFilesIn(dir)) files[f] = sumFile(path.join(dir, f));
  const list: ChecksumList = { format: 'glimpse-checksums', version: 1, note, files };
  await writeFileAtomic(path.join(dir, CHECKSUMS), `${JSON.stringify(list, null, 1)}\n`);
  return list;
}
