// Frame sampling strategies on real lavfi videos, including the awkward ones.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MediaError, probe } from '../../main/media/ffmpeg.ts';
import { sampleFrames, strategyTimes } from '../../main/media/strategies.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const S = 32;
let short: string, long: string, rotated: string;
before(() => {
  short = makeVideo(path.join(dir, 'short.mp4'), { seconds: 3, source: 'testsrc2=size=160x120:rate=10' });
  long = makeVideo(path.join(dir, 'long.mp4'), { seconds: 40, source: 'testsrc2=size=96x64:rate=5',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'] });
  // Left half red, right half blue, stored with a 90° rotation flag: decoded frames must come out upright.
  // (ffmpeg 5.1 only turns the rotate tag into a display matrix on a stream copy, hence two steps.)
  const upright = makeVideo(path.join(dir, 'upright.mp4'), { seconds: 1,
    source: 'color=red:size=64x64:rate=10[a];color=blue:size=64x64:rate=10[b];[a][b]hstack',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p'] });
  rotated = path.join(dir, 'rotated.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', upright, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('timestamps of every strategy stay inside the video and have k entries', () => {
  for (const kind of ['uniform', 'random', 'first', 'middle', 'last', 'first-middle-last'] as const) {
    const ts = strategyTimes({ kind, k: 6 }, 10, 25);
    assert.equal(ts.length, 6, kind);
    assert.ok(ts.every((t) => t >= 0 && t < 10), kind);
  }
  assert.deepEqual(strategyTimes({ kind: 'first', k: 3 }, 10, 10), [0, 0.1, 0.2]);
  assert.ok(strategyTimes({ kind: 'last', k: 2 }, 10, 10)[1] > 9.8);
  assert.deepEqual(strategyTimes({ kind: 'random', k: 4, seed: 7 }, 10, 25), strategyTimes({ kind: 'random', k: 4, seed: 7 }, 10, 25));
});

test('one-pass strategies on a short clip return RGB frames with increasing timestamps', async () => {
  const p = await probe(short);
  for (const kind of ['uniform', 'first', 'middle', 'last', 'first-middle-last', 'random'] as const) {
    const frames = await sampleFrames(short, { kind, k: 3 }, S, p);
    assert.equal(frames.length, 3, kind);
    assert.ok(frames.every((f) => f.rgb.length === S * S * 3), kind);
    assert.ok(frames.every((f, i) => i === 0 || f.timeS > frames[i - 1].timeS), kind);
  }
  const rate = await sampleFrames(short, { kind: 'rate', fps: 1 }, S, p);
  assert.equal(rate.length, 3);
});

test('fewer frames than k: a 1-frame-per-second clip asked for 50 frames gives what exists', async () => {
  const tiny = makeVideo(path.join(dir, 'tiny.mp4'), { seconds: 2, source: 'testsrc2=size=64x64:rate=2' });
  const frames = await sampleFrames(tiny, { kind: 'uniform', k: 50 }, S, await probe(tiny));
  assert.ok(frames.length >= 1 && frames.length <= 4);
});

test('long videos use per-timestamp seeking; keyframes-only decodes just the GOP starts', async () => {
  const p = await probe(long);
  const frames = await sampleFrames(long, { kind: 'uniform', k: 4 }, S, p);
  assert.equal(frames.length, 4);
  assert.deepEqual(frames.map((f) => Math.round(f.timeS)), [5, 15, 25, 35]);
  const keys = await sampleFrames(long, { kind: 'keyframes' }, S, p);
  assert.equal(keys.length, 8); // 200 frames, GOP 25
  assert.ok(keys.every((f, i) => Math.abs(f.timeS - i * 5) < 0.01));
});

test('rotation metadata is applied: the red half ends up on top', async () => {
  const p = await probe(rotated);
  assert.ok(p.rotation === 90 || p.rotation === 270, `rotation ${p.rotation}`); // read from the display matrix
  // ffmpeg's autorotate applies it when decoding, which is what the CNN sees.
  const [f] = await sampleFrames(rotated, { kind: 'first', k: 1 }, S, p);
  const px = (x: number, y: number) => [...f.rgb.subarray((y * S + x) * 3, (y * S + x) * 3 + 3)];
  const top = px(S / 2, 2), bottom = px(S / 2, S - 3);
  assert.ok((top[0] > 150 && top[2] < 100) !== (bottom[0] > 150 && bottom[2] < 100), `top ${top} bottom ${bottom}`);
});

test('audio-only, zero-length and truncated files give a clear MediaError', async () => {
  const audio = makeVideo(path.join(dir, 'audio.m4a.mp4'), { source: 'sine=frequency=300', seconds: 1, args: ['-vn', '-c:a', 'aac'] });
  await assert.rejects(probe(audio), (e: Error) => e instanceof MediaError && /no video stream/.test(e.message));
  const empty = path.join(dir, 'empty.mp4');
  fs.writeFileSync(empty, '');
  await assert.rejects(probe(empty), MediaError);
  const trunc = path.join(dir, 'trunc.mp4');
  fs.writeFileSync(trunc, fs.readFileSync(long).subarray(0, 20_000));
  await assert.rejects(async () => sampleFrames(trunc, { kind: 'uniform', k: 3 }, S, await probe(trunc)), MediaError);
});
