// Frame sampling strategies on real lavfi videos, including the awkward ones.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MediaError, probe } from '../../main/media/ffmpeg.ts';
import { keyframeNearestTimes, shotAwareTimes, uniformTimes } from '../../main/media/sampling.ts';
import { SEEK_SECONDS_PER_FRAME, sampleFrames } from '../../main/media/strategies.ts';
import type { RawFrame } from '../../main/media/ffmpeg.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const S = 32;
let short: string, long: string, longer: string, rotated: string;
before(() => {
  short = makeVideo(path.join(dir, 'short.mp4'), { seconds: 3, source: 'testsrc2=size=160x120:rate=10' });
  long = makeVideo(path.join(dir, 'long.mp4'), {
    seconds: 40,
    source: 'testsrc2=size=96x64:rate=5',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'],
  });
  // 20 frames at 6.5 s each, a keyframe every second: the keyframe route, in four groups of seeks
  longer = makeVideo(path.join(dir, 'longer.mp4'), {
    seconds: 130,
    source: 'testsrc2=size=96x64:rate=5',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-pix_fmt', 'yuv420p'],
  });
  // Left half red, right half blue, stored with a 90° rotation flag: decoded frames must come out upright.
  // (ffmpeg 5.1 only turns the rotate tag into a display matrix on a stream copy, hence two steps.)
  const upright = makeVideo(path.join(dir, 'upright.mp4'), {
    seconds: 1,
    source: 'color=red:size=64x64:rate=10[a];color=blue:size=64x64:rate=10[b];[a][b]hstack',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p'],
  });
  rotated = path.join(dir, 'rotated.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', upright, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('uniform k, keyframe-nearest and shot-aware timestamps stay inside the video', () => {
  assert.deepEqual(uniformTimes(10, 4), [1.25, 3.75, 6.25, 8.75]);
  // keyframes every 5 s: each uniform time moves to the nearest one, duplicates merge
  assert.deepEqual(keyframeNearestTimes(20, 4, [0, 5, 10, 15]), [5, 10, 15]); // 2.5 s → 5 (ties go later), 17.5 s → 15 merges
  assert.deepEqual(keyframeNearestTimes(20, 8, [0, 10]), [0, 10]);
  assert.deepEqual(keyframeNearestTimes(10, 2, []), [2.5, 7.5], 'no keyframes known: uniform');
  // a 2 s shot and an 8 s shot, 5 frames: at least one in the short shot, the rest by length, each centred
  const t = shotAwareTimes(10, 5, [2]);
  assert.equal(t.length, 5);
  assert.equal(t.filter((x) => x < 2).length, 1);
  assert.deepEqual(t, [1, 3, 5, 7, 9]);
  assert.deepEqual(shotAwareTimes(10, 4, []), uniformTimes(10, 4), 'one shot: uniform');
});

test('uniform and fixed-rate frames on a short clip: RGB, increasing timestamps', async () => {
  const p = await probe(short);
  const frames = await sampleFrames(short, { kind: 'uniform', k: 3 }, S, p);
  assert.equal(frames.length, 3);
  assert.ok(frames.every((f) => f.rgb.length === S * S * 3));
  assert.ok(frames.every((f, i) => i === 0 || f.timeS > frames[i - 1].timeS));
  const rate = await sampleFrames(short, { kind: 'rate', fps: 1 }, S, p);
  assert.equal(rate.length, 3);
});

test('fewer frames than k: a 1-frame-per-second clip asked for 50 frames gives what exists', async () => {
  const tiny = makeVideo(path.join(dir, 'tiny.mp4'), { seconds: 2, source: 'testsrc2=size=64x64:rate=2' });
  const frames = await sampleFrames(tiny, { kind: 'uniform', k: 50 }, S, await probe(tiny));
  assert.ok(frames.length >= 1 && frames.length <= 4);
});

test('long videos use per-timestamp seeking at the uniform times', async () => {
  const p = await probe(long);
  const frames = await sampleFrames(long, { kind: 'uniform', k: 4 }, S, p);
  assert.equal(frames.length, 4);
  assert.deepEqual(
    frames.map((f) => Math.round(f.timeS)),
    [5, 15, 25, 35],
  );
});

test("onFrame hears every frame of the result once; a long video's keyframe frames as each group of seeks ends", async () => {
  const p = await probe(longer);
  assert.ok(p.durationS / 20 > SEEK_SECONDS_PER_FRAME, 'the keyframe route');
  let decoded = 0;
  const heard: { frame: RawFrame; decodedThen: number }[] = [];
  const frames = await sampleFrames(longer, { kind: 'uniform', k: 20 }, S, p, {
    onFrames: (n) => (decoded = n),
    onFrame: (frame) => heard.push({ frame, decodedThen: decoded }),
  });
  assert.equal(frames.length, 20);
  assert.equal(heard.length, 20, 'each once');
  assert.deepEqual(new Set(heard.map((h) => h.frame)), new Set(frames), 'the very frames of the result');
  assert.ok(frames.every((f) => f.keyframe));
  // the first group's frames were heard while the others were still being decoded: a scan's CNN starts on them
  assert.ok(heard[0].decodedThen < 20, `first frame heard after ${heard[0].decodedThen} of 20 were decoded`);

  // one pass over a short clip: heard when it ends, each once
  const once: RawFrame[] = [];
  const few = await sampleFrames(short, { kind: 'uniform', k: 3 }, S, await probe(short), { onFrame: (f) => once.push(f) });
  assert.deepEqual(once, few);
});

test('rotation metadata is applied: the red half ends up on top', async () => {
  const p = await probe(rotated);
  assert.ok(p.rotation === 90 || p.rotation === 270, `rotation ${p.rotation}`); // read from the display matrix
  // ffmpeg's autorotate applies it when decoding, which is what the CNN sees.
  const [f] = await sampleFrames(rotated, { kind: 'uniform', k: 1 }, S, p);
  const px = (x: number, y: number) => [...f.rgb.subarray((y * S + x) * 3, (y * S + x) * 3 + 3)];
  const top = px(S / 2, 2),
    bottom = px(S / 2, S - 3);
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
