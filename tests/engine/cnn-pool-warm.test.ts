/**
 * The CNN pool of an engine that stays open (`warmPool`: the app's host, `glimpse serve`) grows to one worker per core
 * once its first scan has ended, so the next video added, a lone one too, runs its frames on every core; a one-shot
 * engine (the CLI's `add`) decodes a lone student video with one worker, and starts the rest only when enough of its
 * frames wait once it is decoded. Read through `system.doctor`,
 * which says how many workers run and the most there can be.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { makeVideo, processIdle, tempDir } from '../helpers/fixtures.ts';

let dir: string, lib: string;
before(() => {
  process.env.GLIMPSE_CNN_WORKERS = '2'; // the pool's size on any machine (a GPU backend would still be 1)
  dir = tempDir('glimpse-warm-pool-');
  lib = path.join(dir, 'videos');
  makeVideo(path.join(lib, 'clip.mp4'), { source: 'testsrc2=size=320x240:rate=25', seconds: 4 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Adds the folder with one clip and waits for the index and the student scan it starts. */
async function addOneVideo(engine: Engine): Promise<void> {
  const { jobId } = await engine.call('library.addRoot', { path: lib, scan: true });
  assert.equal((await engine.jobs.wait(jobId!)).state, 'done');
  for (const j of await engine.call('jobs.list', {})) await engine.jobs.wait(j.id);
  const { videos } = await engine.call('library.videos', {});
  assert.equal(videos[0]?.status, 'ok', 'the clip was tagged');
}

/** Waits (up to a minute) for the pool to reach its size, which must be 2 (1 on a GPU backend). */
async function assertWholePool(engine: Engine): Promise<void> {
  let w = (await engine.call('system.doctor', {})).cnnWorkers;
  for (let i = 0; i < 600 && w.running < w.max; i++) {
    await new Promise((r) => setTimeout(r, 100));
    w = (await engine.call('system.doctor', {})).cnnWorkers;
  }
  const wanted = (await engine.call('system.doctor', {})).backend.name === 'tensorflow-gpu' ? 1 : 2;
  assert.deepEqual(w, { running: wanted, max: wanted });
}

test('an engine that stays open grows its CNN pool to one per core after its first scan', { timeout: 180_000 }, async () => {
  const engine = new Engine({ dbPath: path.join(dir, 'open.db'), warmPool: true });
  try {
    await addOneVideo(engine);
    // the growth runs in the background after the scan (each new worker then warms: tests/ml/cnn-pool.test.ts)
    await assertWholePool(engine);
  } finally {
    await engine.close();
  }
});

test(
  'a one-shot engine: a lone video with few frames keeps one CNN worker; with more, the pool grows once they are decoded',
  { timeout: 180_000 },
  async () => {
    // k = 3: once the clip is decoded, fewer frames wait than a second worker's start is worth
    const few = new Engine({ dbPath: path.join(dir, 'once-k3.db'), scan: { k: 3 } });
    try {
      await addOneVideo(few);
      // nothing was started: once this process is idle (a worker starting would keep it busy for a second or more),
      // the pool is still the one worker the scan used
      await processIdle();
      const w = (await few.call('system.doctor', {})).cnnWorkers;
      assert.equal(w.running, 1);
      assert.ok(w.max >= 1);
    } finally {
      await few.close();
    }
    // k = 10: the clip decodes long before one worker has run 7 frames, so the rest of the pool starts and shares them
    const more = new Engine({ dbPath: path.join(dir, 'once-k10.db'), scan: { k: 10 } });
    try {
      await addOneVideo(more);
      await assertWholePool(more); // started during the scan; it may join after it ended
    } finally {
      await more.close();
    }
  },
);
