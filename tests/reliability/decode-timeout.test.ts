/**
 * Decode limits scaled to the work (issue 12: "every external process has a timeout scaled to its work"). The
 * base is GLIMPSE_FFMPEG_TIMEOUT_S; each decode adds the time to read, decode and hand over what it is asked for.
 * A decode slower than its limit (a fake ffmpeg, set through the tool-path setting GLIMPSE_FFMPEG, that reads in
 * real time like a stalled network share) is killed, named with its limit, and leaves the video a retryable
 * failure that the next scan with the real tool tags; a long legitimate decode (a teacher scan of two minutes)
 * is not killed under a base far below its duration.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../main/engine/engine.ts';
import { decodeLimit } from '../../main/media/ffmpeg.ts';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

let dir: string;
before(() => {
  process.env.GLIMPSE_CNN_WORKERS = '1';
  dir = tempDir('glimpse-decode-timeout-');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const past = (f: string) => {
  const t = new Date(Date.now() - 3600_000);
  fs.utimesSync(f, t, t);
};

/** Processes whose command line mentions `file` (Linux /proc). */
function processesOn(file: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(file);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function withBase<T>(seconds: string, f: () => T): T {
  const before = process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
  process.env.GLIMPSE_FFMPEG_TIMEOUT_S = seconds;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
    else process.env.GLIMPSE_FFMPEG_TIMEOUT_S = before;
  }
}

test('the decode limit grows with the stretch decoded, the picture size and the frames asked for', () => {
  const file = path.join(dir, 'sized.bin');
  fs.writeFileSync(file, Buffer.alloc(1000));
  withBase('10', () => {
    const clip = decodeLimit(file, { frames: 10, seconds: Infinity }, { durationS: 4, width: 320, height: 240, fps: 25 });
    const hour = decodeLimit(file, { frames: 300, seconds: 300 }, { durationS: 3600, width: 1920, height: 1080, fps: 30 });
    const whole = decodeLimit(file, { frames: 300, seconds: Infinity }, { durationS: 3600, width: 1920, height: 1080, fps: 30 });
    const k4 = decodeLimit(file, { frames: 300, seconds: 300 }, { durationS: 3600, width: 3840, height: 2160, fps: 30 });
    assert.ok(clip.ms >= 10_000 && clip.ms < 15_000, `a 4 s clip: base plus a little (${clip.ms} ms)`);
    // a teacher decode that stops after 300 s of a 1-hour 1080p video: 9000 frames of 2 Mpx, far above the base
    assert.ok(hour.ms > 10 * clip.ms, `${hour.ms} ms`);
    assert.ok(whole.ms > 10 * hour.ms, 'the whole hour (scene detection) gets the time of the whole hour');
    assert.ok(Math.abs(k4.ms - 10_000 - 4 * (hour.ms - 10_000 - 30_000) - 30_000) < 1000, 'four times the pixels, four times the decode');
    // the limit says how it was made: the setting and the work
    assert.equal(
      hour.setting,
      `GLIMPSE_FFMPEG_TIMEOUT_S 10 s + ${Math.round((hour.ms - 10_000) / 100) / 10} s for 300 frames from 300 s of 1920x1080`,
    );
  });
  // without the probe, the file's size and the frames count
  const bare = withBase('2', () => decodeLimit(file, { frames: 1, seconds: 10 }));
  assert.equal(bare.ms, 2100);
  assert.equal(bare.setting, 'GLIMPSE_FFMPEG_TIMEOUT_S 2 s + 0.1 s for 1 frame from a 0 MB file');
});

test(
  'a decode slower than its scaled limit is killed and named; the video stays retryable and the next scan tags it',
  { timeout: 300_000 },
  async () => {
    const lib = path.join(dir, 'lib');
    // 20 s: k = 6 decodes it in one pass (a frame every 3.3 s), which the fake reads in real time (-re): 20 s
    const clip = makeVideo(path.join(lib, 'slow.mp4'), { source: 'testsrc2=size=160x120:rate=10', seconds: 20 });
    past(clip);
    const slow = path.join(dir, 'ffmpeg-real-time');
    fs.writeFileSync(slow, '#!/bin/sh\nif [ "$1" = "-version" ]; then exec ffmpeg -version; fi\nexec ffmpeg -re "$@"\n', { mode: 0o755 });
    const db = path.join(dir, 'slow.db');
    const env = { GLIMPSE_CNN_WORKERS: '1', GLIMPSE_SETTLE_MS: '0', GLIMPSE_DECODERS: '1' };
    const r = await runCli(['add', lib, '--k', '6', '--db', db, '--json'], {
      env: { ...env, GLIMPSE_FFMPEG: slow, GLIMPSE_FFMPEG_TIMEOUT_S: '1' },
    });
    assert.equal(r.code, 1, `the run could not do its work: not exit 0\n${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout) as { job: { message: string }; retry: { path: string; error: string }[] };
    assert.match(out.job.message, /1 to retry/);
    assert.equal(out.retry.length, 1);
    // 1 s of base, plus 6 frames and 20 s of 160x120 decoding: well below the 20 s the fake takes
    assert.match(
      out.retry[0].error,
      /^ffmpeg did not finish within ([\d.]+) s \(GLIMPSE_FFMPEG_TIMEOUT_S 1 s \+ [\d.]+ s for 6 frames from 20 s of 160x120\) on .*slow\.mp4: timeout, process killed$/,
    );
    const limit = Number(/within ([\d.]+) s/.exec(out.retry[0].error)![1]);
    assert.ok(limit > 1 && limit < 20, `scaled above the base, below the fake's 20 s: ${limit} s`);
    assert.deepEqual(processesOn(clip), [], 'the slow ffmpeg was killed, not left reading');
    const row = () => {
      const d = new Database(db, { readonly: true });
      try {
        return d.prepare(`SELECT status, error, error_retryable FROM videos`).get() as {
          status: string;
          error: string | null;
          error_retryable: number;
        };
      } finally {
        d.close();
      }
    };
    assert.deepEqual(
      { ...row(), error: row().error?.replace(/within [\d.]+ s .*$/, 'within …') },
      {
        status: 'pending',
        error: 'ffmpeg did not finish within …',
        error_retryable: 1,
      },
    );

    // the real ffmpeg: the next scan tags it
    const ok = await runCli(['rescan', '--k', '6', '--db', db, '--json'], { env });
    assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
    assert.deepEqual(row(), { status: 'ok', error: null, error_retryable: 0 });
  },
);

test('a teacher scan of a 2-minute file is not killed under a base limit of 0.2 s', { timeout: 600_000 }, async () => {
  const lib = path.join(dir, 'long');
  makeVideo(path.join(lib, 'two-minutes.mp4'), { source: 'testsrc2=size=320x240:rate=25', seconds: 120 });
  // 30 frames for the CNN (0.25 fps), but the decoder goes through all 3000 frames of the two minutes
  const engine = new Engine({
    dbPath: path.join(dir, 'long.db'),
    modelsDir: path.join(dir, 'no-models'),
    scan: { teacherFps: 0.25, teacherMinFrames: 10 },
  });
  const before = process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
  process.env.GLIMPSE_FFMPEG_TIMEOUT_S = '0.2';
  try {
    const { jobId } = await engine.call('library.addRoot', { path: lib, scan: false });
    assert.equal((await engine.jobs.wait(jobId!)).state, 'done');
    const job = await engine.jobs.wait((await engine.call('scan.start', { kind: 'teacher' })).jobId);
    assert.equal(job.state, 'done', job.error ?? '');
    assert.deepEqual(job.outcome, { tagged: 1, unreadable: 0, retry: 0 }, job.message);
    const { videos } = await engine.call('library.videos', {});
    const v = await engine.call('library.video', { id: videos[0].id });
    assert.equal(v.status, 'ok', v.error ?? '');
    assert.equal(v.scans[0].frames, 30, 'every frame of the two minutes that the teacher asked for');
  } finally {
    if (before === undefined) delete process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
    else process.env.GLIMPSE_FFMPEG_TIMEOUT_S = before;
    await engine.close();
  }
});
