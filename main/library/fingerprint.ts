/**
 * Content identity of a file without reading all of it: its size plus a hash of a few blocks spread over it.
 * Cheap enough for 50,000 files on a slow disk (3 small reads each), and stable across moves and renames,
 * which is the whole point: a moved video keeps its scans and tags instead of being processed again.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';

const BLOCK = 64 * 1024;

export async function fingerprint(file: string, sizeBytes?: number): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = sizeBytes ?? (await fh.stat()).size;
    const hash = createHash('sha1');
    hash.update(String(size));
    const offsets = size <= 3 * BLOCK ? [0] : [0, Math.floor(size / 2 - BLOCK / 2), size - BLOCK];
    const buf = Buffer.alloc(Math.min(size, size <= 3 * BLOCK ? size : BLOCK));
    for (const off of offsets) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, off);
      hash.update(buf.subarray(0, bytesRead));
    }
    return `${size}:${hash.digest('hex').slice(0, 24)}`;
  } finally {
    await fh.close();
  }
}
