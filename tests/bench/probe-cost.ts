/**
 * `node --import tsx tests/bench/probe-cost.ts [files…]`: what indexing a file costs (ffprobe, content
 * fingerprint) against its size, to check both are independent of it: bytes the fingerprint reads (fixed), and the
 * median wall seconds of 5 runs of each. Default files: a 1 GB generated 10-min 1080p and a small real clip.
 */
import fs from 'node:fs';
import { probe } from '../../main/media/ffmpeg.ts';
import { fingerprint } from '../../main/library/fingerprint.ts';

const files = process.argv.slice(2);
if (!files.length) files.push('/tmp/glimpse-bench-media/lavfi-1080p-600s.mp4', '../shared/data/clips/skku-yolov8/videos_dog.mp4');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
async function seconds(f: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await f();
    runs.push((performance.now() - t0) / 1000);
  }
  return +median(runs).toFixed(3);
}
for (const file of files) {
  const size = fs.statSync(file).size;
  // what the fingerprint reads: count the bytes through a wrapped FileHandle.read
  let bytes = 0;
  const open = fs.promises.open;
  fs.promises.open = (async (...args: Parameters<typeof open>) => {
    const fh = await open(...args);
    const read = fh.read.bind(fh);
    fh.read = (async (...a: Parameters<typeof read>) => {
      const r = await read(...a);
      bytes += r.bytesRead;
      return r;
    }) as typeof fh.read;
    return fh;
  }) as typeof open;
  await fingerprint(file);
  fs.promises.open = open;
  console.log(
    JSON.stringify({
      file,
      sizeMB: +(size / 1e6).toFixed(1),
      fingerprintBytesRead: bytes,
      fingerprintS: await seconds(() => fingerprint(file)),
      probeS: await seconds(() => probe(file)),
    }),
  );
}
