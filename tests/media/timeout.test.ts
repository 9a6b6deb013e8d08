// A decode that never finishes is killed and reported, instead of holding its job forever (issue: a hung ffmpeg
// froze the whole library). A FIFO nobody writes to makes ffmpeg wait for ever, like a stuck network mount.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { framesAt, MediaError } from '../../main/media/ffmpeg.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

test('a stuck decode is killed after GLIMPSE_FFMPEG_TIMEOUT_S with a clear error; a good one is unaffected', async () => {
  const dir = tempDir('glimpse-timeout-');
  const before = process.env.GLIMPSE_FFMPEG_TIMEOUT_S;
  try {
    const fifo = path.join(dir, 'stuck.mp4');
    execFileSync('mkfifo', [fifo]);
    process.env.GLIMPSE_FFMPEG_TIMEOUT_S = '1';
    const t0 = performance.now();
    await assert.rejects(framesAt(fifo, [0.5], 64), (e) => e instanceof MediaError && /did not finish within 1 s/.test(e.message));
    assert.ok(performance.now() - t0 < 30_000, 'killed, not waited out');
    // the timeout bounds a decode, it does not shorten a normal one
    process.env.GLIMPSE_FFMPEG_TIMEOUT_S = '60';
    const ok = makeVideo(path.join(dir, 'ok.mp4'), { seconds: 2 });
    const frames = await framesAt(ok, [0.5, 1.5], 64);
    assert.equal(frames.length, 2);
    assert.equal(frames[0].rgb.length, 64 * 64 * 3);
  } finally {
    if (before === undefined) delete process.env.GLIMPSE_FFMPEG_TIMEOUT_S; else process.env.GLIMPSE_FFMPEG_TIMEOUT_S = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
