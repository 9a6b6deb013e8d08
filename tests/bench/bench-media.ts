/**
 * The generated long videos of the speed benchmark: 1080p H.264 from ffmpeg's testsrc2 (moving content), 25 fps,
 * GOP 250, cached in /tmp/glimpse-bench-media under fixed names that other benchmarks share. Written to `.tmp` and
 * renamed, so a half-written file is never used; when another process is writing one, this waits for it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { log } from './bench-proc.ts';

export const MEDIA_DIR = '/tmp/glimpse-bench-media';

/** A `.tmp` untouched this long is a dead writer's leftover, not a file being written. */
const STALE_MS = 3 * 60_000;

export async function lavfi1080p(seconds: number): Promise<string> {
  fs.mkdirSync(MEDIA_DIR, { recursive: true });
  const file = path.join(MEDIA_DIR, `lavfi-1080p-${seconds}s.mp4`);
  const tmp = `${file}.tmp`;
  for (;;) {
    if (fs.existsSync(file)) return file;
    const st = fs.statSync(tmp, { throwIfNoEntry: false });
    if (!st || Date.now() - st.mtimeMs > STALE_MS) break;
    log(`waiting for ${path.basename(tmp)} (${(st.size / 1e9).toFixed(2)} GB so far, written by another process)`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
  log(`generating ${path.basename(file)} (${seconds} s of 1080p; minutes on a loaded machine)`);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(
      'ffmpeg',
      ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', String(seconds)].concat([
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        '250',
        '-f',
        'mp4',
        tmp,
      ]),
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code} generating ${file}`))));
  });
  fs.renameSync(tmp, file);
  log(`generated ${path.basename(file)} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return file;
}
