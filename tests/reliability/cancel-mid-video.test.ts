/**
 * `jobs.cancel` stops the running work inside one long video (issue 12: "cancel waits for the current video,
 * ~40 s"): cancelled while ffmpeg decodes it, the ffmpeg child is killed; cancelled while the CNN runs its frames,
 * the CNN stops after the frames at work. Either way the job ends `cancelled` before the video's frames were all
 * analysed, nothing of it is saved or marked broken, and the next scan tags it. No wall-clock thresholds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineEvent, JobInfo } from '../../shared/api.ts';
import { Engine } from '../../main/engine/engine.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

let dir: string, lib: string;
before(() => {
  process.env.GLIMPSE_CNN_WORKERS = '1';
  dir = tempDir('glimpse-cancel-');
  lib = path.join(dir, 'videos');
  // two minutes of 640x480 at 30 fps: 3600 frames to decode for the teacher's 30
  makeVideo(path.join(lib, 'long.mp4'), { source: 'testsrc2=size=640x480:rate=30', seconds: 120 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** ffmpeg/ffprobe processes whose parent is this process (Linux /proc). */
function toolChildren(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /^ff(mpeg|probe)/.test(comm)) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

// 0.25 fps over 120 s: 30 frames for the teacher (the decode still reads the whole two minutes)
const settings = { teacherFps: 0.25, teacherMinFrames: 10, decoders: 1 };

/** Start a teacher scan and cancel it when `when` first holds for one of its progress events. */
async function scanAndCancel(engine: Engine, when: (j: JobInfo) => boolean) {
  const events: JobInfo[] = [];
  let cancelledAt: JobInfo | null = null,
    childrenAtCancel: number[] = [];
  const { jobId } = await engine.call('scan.start', { kind: 'teacher' });
  const onEvent = (e: EngineEvent) => {
    if (e.type !== 'job' || e.job.id !== jobId) return;
    events.push(e.job);
    if (!cancelledAt && e.job.state === 'running' && when(e.job)) {
      cancelledAt = e.job;
      childrenAtCancel = toolChildren();
      assert.equal(engine.jobs.cancel(jobId), true);
    }
  };
  engine.events.on('event', onEvent);
  const end = await engine.jobs.wait(jobId);
  engine.events.off('event', onEvent);
  return { end, events, cancelledAt: cancelledAt as JobInfo | null, childrenAtCancel };
}

async function videoState(engine: Engine) {
  const { videos } = await engine.call('library.videos', {});
  assert.equal(videos.length, 1);
  return engine.call('library.video', { id: videos[0].id });
}

test(
  'cancel in the middle of one long video: ffmpeg killed, CNN stopped, nothing saved, the next scan tags it',
  { timeout: 600_000 },
  async () => {
    const engine = new Engine({ dbPath: path.join(dir, 'lib.db'), modelsDir: path.join(dir, 'no-models'), scan: settings });
    try {
      const { jobId } = await engine.call('library.addRoot', { path: lib, scan: false });
      assert.equal((await engine.jobs.wait(jobId!)).state, 'done');

      // (1) while ffmpeg decodes: frames are coming out of the decoder
      const a = await scanAndCancel(engine, (j) => j.step?.what === 'frames decoded' && j.step.done >= 1);
      assert.ok(a.cancelledAt, `cancelled while decoding: ${JSON.stringify(a.events.map((e) => e.step))}`);
      assert.equal(a.end.state, 'cancelled', a.end.error ?? '');
      assert.equal(a.end.error, null, 'a cancel is not a failure');
      assert.ok(a.childrenAtCancel.length >= 1, 'an ffmpeg was decoding when the job was cancelled');
      assert.deepEqual(toolChildren(), [], 'no ffmpeg left running after the job ended');
      // it ended before the video was done: no frame went through the CNN
      assert.ok(!a.events.some((e) => e.step?.what === 'frames analysed' && e.step.done > 0), 'the CNN never started on it');
      let v = await videoState(engine);
      assert.equal(v.scans.length, 0, 'nothing saved');
      assert.equal(v.status, 'pending', 'not marked broken');
      assert.equal(v.error, null);

      // (2) while the CNN analyses its frames
      const b = await scanAndCancel(engine, (j) => j.step?.what === 'frames analysed' && j.step.done >= 1);
      assert.ok(b.cancelledAt, 'cancelled while the CNN ran');
      assert.equal(b.end.state, 'cancelled', b.end.error ?? '');
      const step = b.cancelledAt!.step!;
      assert.ok(step.total >= 20, `the video has ${step.total} frames for the teacher`);
      const lastSeen = [...b.events].reverse().find((e) => e.step)!.step!;
      assert.equal(lastSeen.what, 'frames analysed');
      assert.ok(lastSeen.done < step.total, `stopped at frame ${lastSeen.done} of ${step.total}, not at the end of the video`);
      assert.ok(b.end.done < 1, 'the video was not counted as done');
      // Had the CNN gone on to the video's last frame, the scan would have been saved right after it (nothing checks
      // the cancel between the CNN and the commit): an unsaved video is the proof that it stopped mid-video.
      assert.deepEqual(toolChildren(), []);
      v = await videoState(engine);
      assert.equal(v.scans.length, 0, 'nothing of the half-analysed video saved');
      assert.equal(v.status, 'pending');
      assert.equal(v.error, null);

      // (3) the next scan tags it
      const { jobId: again } = await engine.call('scan.start', { kind: 'teacher' });
      const done = await engine.jobs.wait(again);
      assert.equal(done.state, 'done', done.error ?? '');
      assert.equal(done.outcome?.tagged, 1);
      v = await videoState(engine);
      assert.equal(v.status, 'ok');
      assert.equal(v.scans.length, 1);
      assert.equal(v.scans[0].kind, 'teacher');
      assert.equal(v.scans[0].frames, step.total, 'every frame analysed this time');
    } finally {
      await engine.close();
    }
  },
);
