/**
 * The CNN pool starts with one worker (a lone student video is faster that way on few cores) and grows to its size
 * when a scan has many frames; the features of a frame do not depend on which worker, or how many, ran it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CnnClient, CnnRun } from '../../main/ml/cnn-client.ts';
import { CNN_INPUT } from '../../main/ml/frame-cnn.ts';

test('one worker at start, the whole pool after grow, the same features either way', { timeout: 180_000 }, async () => {
  const cnn = await CnnClient.start(2);
  try {
    assert.equal(cnn.size, 1);
    // ready without a warm-up: the first worker's first inference is the first frame a caller sends
    assert.equal(cnn.lanes()[0].framesRun, 0);
    const frames = [0, 80, 160, 240].map((v) => new Uint8Array(CNN_INPUT * CNN_INPUT * 3).fill(v));
    const one = await cnn.run(frames, { embed: false });
    assert.equal(cnn.lanes()[0].framesRun, 4, 'the four frames, no blank one');
    await cnn.grow();
    assert.equal(cnn.size, cnn.backend.name === 'tensorflow-gpu' ? 1 : 2);
    const two = await cnn.run(frames, { embed: false });
    assert.equal(two.length, frames.length);
    two.forEach((f, i) => assert.deepEqual([...f.classScores], [...one[i].classScores], `frame ${i}`));
    await cnn.grow(); // again: nothing more to start
    assert.ok(cnn.size <= 2);
  } finally {
    await cnn.close();
  }
});

test(
  'warm (an open engine between scans): the whole pool, each fresh worker one blank frame, features unchanged',
  { timeout: 180_000 },
  async () => {
    const cnn = await CnnClient.start(2);
    try {
      const frames = [40, 220].map((v) => new Uint8Array(CNN_INPUT * CNN_INPUT * 3).fill(v));
      const first = cnn.lanes()[0];
      const cold = await cnn.run([frames[0]], { embed: false });
      await cnn.warm();
      const whole = cnn.backend.name === 'tensorflow-gpu' ? 1 : 2;
      assert.equal(cnn.size, whole);
      assert.equal(first.framesRun, 1, 'a worker that has run a frame is not warmed again');
      for (const w of cnn.lanes()) assert.equal(w.framesRun, 1, 'each worker has run exactly one frame');
      await cnn.warm(); // again: every worker has run a frame
      assert.deepEqual(
        cnn.lanes().map((w) => w.framesRun),
        cnn.lanes().map(() => 1),
      );
      const warm = await cnn.run(frames, { embed: false });
      assert.deepEqual([...warm[0].classScores], [...cold[0].classScores], 'a warm-up leaves no trace in later features');
    } finally {
      await cnn.close();
    }
  },
);

test('a run fed over time: frames before the pool is up and after, features in the order pushed', { timeout: 180_000 }, async () => {
  let up!: (c: CnnClient) => void;
  const client = new Promise<CnnClient>((r) => (up = r));
  const frames = [30, 200, 120].map((v) => new Uint8Array(CNN_INPUT * CNN_INPUT * 3).fill(v));
  let reported = 0;
  const run = new CnnRun(
    client.then((c) => ({ client: c, embed: false })),
    { onFrames: (n) => (reported = n) },
  );
  run.push(frames[0]); // the pool is still starting: the frame waits in the run
  const cnn = await CnnClient.start(2);
  try {
    up(cnn);
    await new Promise((r) => setTimeout(r, 50));
    run.push(frames[1], frames[2]);
    const fed = await run.end();
    const atOnce = await cnn.run(frames, { embed: false });
    assert.equal(fed.length, 3);
    fed.forEach((f, i) => assert.deepEqual([...f.classScores], [...atOnce[i].classScores], `frame ${i}`));
    assert.equal(reported, 3);
    assert.equal(run.done, 3);
    assert.ok(run.busy.length >= 1 && run.busy.every(([a, b]) => b >= a), 'when frames were at the CNN');
    assert.throws(() => run.push(frames[0]), /after the run ended/);

    // abandoned (its video failed): no more frames go out, and its outcome is nobody's (no unhandled rejection)
    const dropped = new CnnRun(Promise.resolve({ client: cnn, embed: false }));
    dropped.push(...frames);
    dropped.abandon();
    await assert.rejects(dropped.end(), /abandoned/);
    assert.ok(dropped.done < 3, `stopped after the frames at work (${dropped.done})`);

    // a cancelled one rejects with the signal's reason
    const ac = new AbortController();
    const cancelled = new CnnRun(Promise.resolve({ client: cnn, embed: false }), { signal: ac.signal });
    cancelled.push(...frames);
    ac.abort(new Error('cancelled by the user'));
    await assert.rejects(cancelled.end(), /cancelled by the user/);
  } finally {
    await cnn.close();
  }
});

test('workers that join the pool while a run goes take its frames too', { timeout: 180_000 }, async () => {
  const cnn = await CnnClient.start(2);
  try {
    if (cnn.backend.name === 'tensorflow-gpu') return; // one worker there: nothing joins
    const frame = (v: number) => new Uint8Array(CNN_INPUT * CNN_INPUT * 3).fill(v);
    const run = new CnnRun(Promise.resolve({ client: cnn, embed: false }));
    run.push(frame(10));
    while (run.done < 1) await new Promise((r) => setTimeout(r, 10));
    await cnn.grow(); // the run is idle, waiting for frames, when the second worker joins
    assert.equal(cnn.size, 2);
    run.push(frame(90), frame(170));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      cnn.lanes().map((w) => w.busy),
      [1, 1],
      'each worker has one of the two new frames',
    );
    assert.equal((await run.end()).length, 3);
  } finally {
    await cnn.close();
  }
});

test(
  'two runs share the pool: one frame at a worker at a time, each run its own features; allSent before the last is done',
  { timeout: 180_000 },
  async () => {
    const frame = (v: number) => new Uint8Array(CNN_INPUT * CNN_INPUT * 3).fill(v);
    const cnn = await CnnClient.start(2);
    try {
      await cnn.grow();
      const aFrames = [frame(20), frame(140), frame(250)];
      const bFrames = [frame(60), frame(200)];
      const alone = await cnn.run([...aFrames, ...bFrames], { embed: false });
      const a = new CnnRun(Promise.resolve({ client: cnn, embed: false }));
      const b = new CnnRun(Promise.resolve({ client: cnn, embed: false }));
      a.push(...aFrames);
      b.push(...bFrames);
      let doneWhenSent = -1;
      void a.allSent().then(() => (doneWhenSent = a.done));
      let most = 0;
      const watch = setInterval(() => (most = Math.max(most, ...cnn.lanes().map((w) => w.busy))), 2);
      const [fa, fb] = await Promise.all([a.end(), b.end()]);
      clearInterval(watch);
      assert.ok(most <= 1, `a worker held ${most} frames: a waiting frame would count in its run's CNN time`);
      fa.forEach((f, i) => assert.deepEqual([...f.classScores], [...alone[i].classScores], `run a, frame ${i}`));
      fb.forEach((f, i) => assert.deepEqual([...f.classScores], [...alone[3 + i].classScores], `run b, frame ${i}`));
      // its last frame went to a worker while others were still at work: a scan hands the freed workers to the next video
      assert.ok(doneWhenSent >= 0 && doneWhenSent < aFrames.length, `allSent heard with ${doneWhenSent} of 3 done`);
    } finally {
      await cnn.close();
    }
  },
);

test('a run cancelled after a worker joined it leaves no unhandled rejection', { timeout: 180_000 }, async () => {
  const cnn = await CnnClient.start(2);
  try {
    const ac = new AbortController();
    const run = new CnnRun(Promise.resolve({ client: cnn, embed: false }), { signal: ac.signal });
    run.push(new Uint8Array(CNN_INPUT * CNN_INPUT * 3));
    while (run.done < 1) await new Promise((r) => setTimeout(r, 10));
    await cnn.grow(); // the second worker joins the run while it waits for frames
    ac.abort(new Error('cancelled by the user')); // both of its lanes stop; the one that joined is seen too
    await assert.rejects(run.end(), /cancelled by the user/);
    await new Promise((r) => setTimeout(r, 100)); // an unhandled rejection would fail this test here
  } finally {
    await cnn.close();
  }
});

test(
  'frames are copied into buffers the worker gives back: the caller keeps its frames, reused buffers change no feature',
  { timeout: 180_000 },
  async () => {
    const cnn = await CnnClient.start(1);
    try {
      // pictures with structure (a blank one may take shortcuts a real frame does not)
      const a = new Uint8Array(CNN_INPUT * CNN_INPUT * 3).map((_, i) => (i * 7919) % 251);
      const b = new Uint8Array(a.length).map((_, i) => (i * 104729) % 241);
      const before = [a, b].map((f) => Buffer.from(f).toString('base64'));
      const first = await cnn.run([a, b], { embed: false });
      // neither was moved away from the caller (a moved buffer is detached: length 0) nor written
      assert.deepEqual(
        [a, b].map((f) => [f.length, Buffer.from(f).toString('base64')]),
        before.map((x) => [CNN_INPUT * CNN_INPUT * 3, x]),
      );
      // again, in the other order: each frame now travels in a buffer that came back, and the worker's one input array
      // (FrameCnn) is refilled: the same features
      const again = await cnn.run([b, a], { embed: false });
      assert.deepEqual([...again[0].classScores], [...first[1].classScores]);
      assert.deepEqual([...again[1].classScores], [...first[0].classScores]);
      assert.notDeepEqual([...first[0].classScores], [...first[1].classScores], 'two different pictures');
    } finally {
      await cnn.close();
    }
  },
);
