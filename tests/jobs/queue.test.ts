// The job queue: priorities, progress with ETA, and the difference between pause (comes back) and cancel (does not).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobInfo } from '../../shared/api.ts';
import { JobQueue, type JobContext } from '../../main/jobs/queue.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** A job doing `n` steps of `ms` each, checkpointing between steps, logging each step as `${name}${i}`. */
function stepper(log: string[], name: string, n: number, ms = 5) {
  return async (ctx: JobContext) => {
    for (let i = 0; i < n; i++) {
      await ctx.checkpoint();
      if (ctx.signal.aborted) return;
      await tick(ms);
      log.push(`${name}${i}`);
      ctx.progress(i + 1, n, `${name} step ${i}`);
    }
  };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await tick(2);
  }
}

test('one job at a time, higher priority first, FIFO among equals', async () => {
  const q = new JobQueue();
  const log: string[] = [];
  const a = q.enqueue('a', stepper(log, 'a', 1));
  const b = q.enqueue('b', stepper(log, 'b', 1));
  const c = q.enqueue('c', stepper(log, 'c', 1), 10);
  await Promise.all([a, b, c].map((id) => q.wait(id)));
  assert.deepEqual(log, ['c0', 'a0', 'b0']);
});

test('progress carries done/total and an ETA; the final state keeps the last message', async () => {
  // A clock the test moves: every step takes exactly 10 s, so the ETA is known.
  const realNow = Date.now;
  let clock = realNow();
  Date.now = () => clock;
  try {
    const q = new JobQueue();
    const seen: JobInfo[] = [];
    q.on('job', (j) => seen.push(j));
    const id = q.enqueue('p', async (ctx) => {
      ctx.progress(0, 4, 'p start');
      for (let i = 1; i <= 4; i++) {
        clock += 10_000;
        ctx.progress(i, 4, `p step ${i - 1}`);
      }
    });
    const done = await q.wait(id);
    assert.equal(done.state, 'done');
    assert.equal(done.message, 'p step 3');
    assert.equal(done.etaS, 0);
    const etas = seen.filter((j) => j.state === 'running' && j.total === 4 && j.done > 0).map((j) => j.etaS);
    assert.deepEqual(etas, [30, 20, 10, 0]); // 10 s per step × steps left
  } finally {
    Date.now = realNow;
  }
});

test('the final message: the error of a failure, the state of a cancel or of a job that said nothing', async () => {
  const q = new JobQueue();
  assert.equal(
    (
      await q.wait(
        q.enqueue('bad', async () => {
          throw new Error('boom');
        }),
      )
    ).message,
    'failed: boom',
  );
  assert.equal((await q.wait(q.enqueue('quiet', async () => {}))).message, 'done');
  const log: string[] = [];
  const running = q.enqueue('long', stepper(log, 'L', 50, 5));
  await until(() => log.length >= 1);
  q.cancel(running);
  assert.equal((await q.wait(running)).message, 'cancelled', 'its last progress message is not kept');
  const queued = q.enqueue('never', stepper(log, 'N', 1));
  assert.ok(q.cancel(queued)); // before it ever starts
  assert.equal((await q.wait(queued)).message, 'cancelled');
});

test('pause stops a running job at its checkpoint, lets the next job run, and resume continues where it stopped', async () => {
  const q = new JobQueue();
  const log: string[] = [];
  const long = q.enqueue('long', stepper(log, 'L', 6, 10));
  await until(() => log.length >= 2);
  assert.ok(q.pause(long));
  assert.equal(q.list().find((j) => j.id === long)?.state, 'paused');
  const short = q.enqueue('short', stepper(log, 'S', 2, 5));
  await q.wait(short);
  const atResume = log.length;
  // Nothing of the paused job ran after its checkpoint while the other job held the queue (one step may finish).
  const firstS = log.indexOf('S0');
  assert.ok(log.slice(firstS).filter((x) => x.startsWith('L')).length <= 1, log.join(','));
  await tick(40);
  assert.equal(log.length, atResume, 'a paused job stays paused');
  assert.ok(q.resume(long));
  const j = await q.wait(long);
  assert.equal(j.state, 'done');
  assert.deepEqual(
    log.filter((x) => x.startsWith('L')),
    ['L0', 'L1', 'L2', 'L3', 'L4', 'L5'],
  );
});

test('cancel is final: a running job stops and never resumes; a paused job can be cancelled; a queued one never starts', async () => {
  const q = new JobQueue();
  const log: string[] = [];
  const a = q.enqueue('a', stepper(log, 'a', 50, 5));
  const b = q.enqueue('b', stepper(log, 'b', 3));
  await until(() => log.length >= 2);
  assert.ok(q.cancel(b));
  assert.ok(q.cancel(a));
  assert.equal((await q.wait(a)).state, 'cancelled');
  assert.equal((await q.wait(b)).state, 'cancelled');
  assert.ok(!log.some((x) => x.startsWith('b')));
  assert.ok(!q.resume(a), 'a cancelled job cannot be resumed');
  assert.ok(!q.pause(a));

  const c = q.enqueue('c', stepper(log, 'c', 50, 5));
  await until(() => log.includes('c1'));
  q.pause(c);
  const n = log.length;
  assert.ok(q.cancel(c));
  assert.equal((await q.wait(c)).state, 'cancelled');
  assert.ok(log.length <= n + 1);
});

test('a queued job can be paused: it is skipped until resumed', async () => {
  const q = new JobQueue();
  const log: string[] = [];
  const a = q.enqueue('a', stepper(log, 'a', 1));
  q.pause(a);
  const b = q.enqueue('b', stepper(log, 'b', 1));
  await q.wait(b);
  assert.deepEqual(log, ['b0']);
  q.resume(a);
  await q.wait(a);
  assert.deepEqual(log, ['b0', 'a0']);
});

test('a failing job is recorded as failed and the queue goes on', async () => {
  const q = new JobQueue();
  const bad = q.enqueue('bad', async () => {
    throw new Error('boom');
  });
  const good = q.enqueue('good', stepper([], 'g', 1));
  const j = await q.wait(bad);
  assert.equal(j.state, 'failed');
  assert.equal(j.error, 'boom');
  assert.equal((await q.wait(good)).state, 'done');
});

test('the ETA is of the current phase: a slow first phase does not inflate the next one', async () => {
  const q = new JobQueue();
  const seen: JobInfo[] = [];
  q.on('job', (j) => seen.push(j));
  const id = q.enqueue('phases', async (ctx) => {
    ctx.progress(0, 1, 'walking');
    await tick(1500);
    ctx.progress(1, 1);
    ctx.progress(0, 10, 'scanning');
    for (let i = 1; i <= 3; i++) {
      await tick(10);
      ctx.progress(i, 10);
    }
  });
  await q.wait(id);
  const eta = seen.find((j) => j.message === 'scanning' && j.done === 3)!.etaS!;
  assert.equal(eta, 0, `eta ${eta} s`); // ~10 ms per item, 7 left; counting the 1.5 s walk would say ~3.5 s
});
