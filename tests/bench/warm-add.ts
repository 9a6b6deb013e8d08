/**
 * A video added to a library while Glimpse is already open (JSON on stdout):
 *   node --import tsx tests/bench/warm-add.ts --file F [--k 10]
 * The desktop app and `glimpse serve` keep one engine, with its CNN workers started and warm, for as long as they
 * run: a video dropped into a library folder costs its probe, decode and CNN passes, not a process start and a tfjs
 * start. One engine adds a short generated clip first (starting and warming everything, as a session's first scan
 * does; the CNN pool then grows to one worker per core, `warmPool`), waits for the pool to be whole, then adds the
 * folder holding F (a hard link, or a copy when the link fails); timed from `library.addRoot` to the
 * end of the jobs it started (index + student scan), as the app's job bar shows it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../main/engine/engine.ts';
import { makeVideo, processIdle, tempDir } from '../helpers/fixtures.ts';

const { values: o } = parseArgs({ options: { file: { type: 'string' }, k: { type: 'string', default: '10' } } });
const file = path.resolve(o.file!);
const dir = tempDir('glimpse-warm-add-');
const engine = new Engine({ dbPath: path.join(dir, 'g.db'), warmPool: true }); // as the app's host and `serve` make it
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Adds `folder` as a library root and waits for every job it started. */
async function addAndWait(folder: string): Promise<number> {
  const t = performance.now();
  await engine.call('library.addRoot', { path: folder, scan: true });
  for (;;) {
    const jobs = await engine.call('jobs.list', {});
    if (jobs.every((j) => !['queued', 'running', 'paused'].includes(j.state))) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return (performance.now() - t) / 1000;
}

try {
  await engine.call('settings.set', { k: Number(o.k) });
  const warm = path.join(dir, 'warm');
  makeVideo(path.join(warm, 'warm.mp4'), { source: 'testsrc2=size=640x360:rate=25', seconds: 30 });
  const warmS = await addAndWait(warm);
  await processIdle(30).catch(() => undefined); // the pool that grows after the first scan is up and warm, as in an app open for a moment

  const lib = path.join(dir, 'lib');
  fs.mkdirSync(lib);
  const link = path.join(lib, path.basename(file));
  try {
    fs.linkSync(file, link);
  } catch {
    fs.copyFileSync(file, link);
  }
  const addS = await addAndWait(lib);
  const v = (await engine.call('library.search', { q: '', limit: 10 })).videos.find((x) => x.name === path.basename(file));
  if (v?.status !== 'ok') throw new Error(`the video was not tagged: ${v?.status} ${v?.error ?? ''}`);
  process.stdout.write(`${JSON.stringify({ warmUpAddSeconds: r3(warmS), seconds: r3(addS) })}\n`);
} finally {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
