// Progress inside one video's scan (issue 13: "every long job shows progress within a second"; a teacher scan of
// a 4-second clip showed no progress for 32 s). The job's own progress, the one path every face renders, moves
// with the frames of the video under way: decoded, then analysed by the CNN, before that video finishes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineEvent, JobInfo, JobStep } from '../../shared/api.ts';
import { Engine } from '../../main/engine/engine.ts';
import { DECODE_SHARE, ScanProgress } from '../../main/engine/scan-progress.ts';
import type { JobContext } from '../../main/jobs/queue.ts';
import type { VideoRow } from '../../main/store/library-repo.ts';
import { renderBar } from '../../main/cli/progress.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

let dir: string, lib: string;
before(() => {
  process.env.GLIMPSE_CNN_WORKERS = '1';
  dir = tempDir('glimpse-scan-progress-');
  lib = path.join(dir, 'videos');
  makeVideo(path.join(lib, 'a.mp4'), { source: 'testsrc2=size=160x120:rate=10', seconds: 6 });
  makeVideo(path.join(lib, 'b.mp4'), { source: 'mandelbrot=size=160x120:rate=10', seconds: 3 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a teacher scan reports the frames of the video under way, monotonic and never past the total', { timeout: 300_000 }, async () => {
  // 30 frames a video at most: enough frame-level updates to see, little CNN work
  const engine = new Engine({ dbPath: path.join(dir, 'lib.db'), modelsDir: path.join(dir, 'no-models'), scan: { teacherMinFrames: 30 } });
  try {
    const { jobId } = await engine.call('library.addRoot', { path: lib, scan: false });
    assert.equal((await engine.jobs.wait(jobId!)).state, 'done');

    const seen: { job: JobInfo; videosDone: number }[] = [];
    let videosDone = 0;
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'video') videosDone++;
      if (e.type === 'job' && e.job.kind === 'scan:teacher') seen.push({ job: e.job, videosDone });
    };
    engine.events.on('event', onEvent);
    const { jobId: scanId } = await engine.call('scan.start', { kind: 'teacher' });
    const end = await engine.jobs.wait(scanId);
    engine.events.off('event', onEvent);
    assert.equal(end.state, 'done', end.error ?? '');
    assert.equal(end.done, 2);
    assert.equal(end.step, undefined, 'a finished job has no step under way');

    const running = seen.filter((s) => s.job.state === 'running');
    // before the first video finished: frames decoded, then frames analysed, with the bar's value inside (0, 1)
    const firstVideo = running.filter((s) => s.videosDone === 0 && s.job.step);
    const decoded = firstVideo.filter((s) => s.job.step!.what === 'frames decoded' && s.job.step!.done > 0);
    const analysed = firstVideo.filter((s) => s.job.step!.what === 'frames analysed' && s.job.step!.done > 0);
    assert.ok(
      decoded.length >= 1,
      `frames decoded reported before the first video finished: ${JSON.stringify(firstVideo.map((s) => s.job.step))}`,
    );
    assert.ok(analysed.length >= 1, `frames analysed reported before the first video finished`);
    assert.ok(
      firstVideo.some((s) => s.job.done > 0 && s.job.done < 1),
      'the value moves inside the first video',
    );
    for (const s of firstVideo) {
      const step = s.job.step!;
      assert.ok(step.done >= 0 && step.done <= step.total, `step ${step.done} of ${step.total}`);
      assert.ok(step.total <= 30, `the teacher's 30 frames at most: ${step.total}`);
      // what the CLI and the app print: the frame count in words, whole videos in the count
      assert.match(s.job.message, new RegExp(`^video 1 of 2 · (decoding|analysing) frame ${step.done} of ${step.total} · [ab]\\.mp4$`));
      assert.match(renderBar(s.job), /\] 0\/2 /);
    }
    // the analysed count of the first video reaches what it decoded
    const lastAnalysed = analysed[analysed.length - 1].job.step!;
    assert.ok(lastAnalysed.done >= lastAnalysed.total / 2, `analysed ${lastAnalysed.done} of ${lastAnalysed.total} before it finished`);

    // over the whole job: done never goes back and never past the total
    let prev = 0;
    for (const s of running) {
      assert.ok(s.job.done >= prev, `done went back from ${prev} to ${s.job.done}`);
      assert.ok(s.job.done <= s.job.total, `${s.job.done} of ${s.job.total}`);
      // inside a video, the fraction stays below the next whole video (counted only when it has finished)
      if (s.job.step) assert.ok(s.job.done < s.videosDone + 1, `done ${s.job.done} with ${s.videosDone} videos finished`);
      prev = s.job.done;
    }
    // the second video shows its own frames too
    assert.ok(running.some((s) => s.videosDone === 1 && s.job.step && /^video 2 of 2 · /.test(s.job.message)));
  } finally {
    await engine.close();
  }
});

test('frame updates are throttled, but a decode that ends inside the window still shows as decoded', () => {
  const shown: { done: number; step?: JobStep }[] = [];
  const ctx: JobContext = {
    signal: new AbortController().signal,
    progress: (done, _total, _message, step) => shown.push({ done, step }),
    checkpoint: async () => {},
    count: () => {},
  };
  const video = { name: 'a.mp4' } as VideoRow;
  const p = new ScanProgress(ctx, 2);
  p.frames({ index: 0, video, stage: 'decode', done: 0, total: 30 });
  p.frames({ index: 0, video, stage: 'decode', done: 12, total: 30 }); // inside the window: dropped
  p.frames({ index: 0, video, stage: 'decode', done: 30, total: 30 }); // the decode's end: shown at once
  p.frames({ index: 0, video, stage: 'cnn', done: 1, total: 30 }); // inside the window again: dropped
  assert.deepEqual(
    shown.map((s) => [s.step?.what, s.step?.done, s.done]),
    [
      ['frames decoded', 0, 0],
      ['frames decoded', 30, DECODE_SHARE],
    ],
  );
});
