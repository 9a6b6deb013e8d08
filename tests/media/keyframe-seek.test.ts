// A student's frames from long videos: keyframe seeking with its exact-frame fallback, and the poster made from a
// decoded frame. Real ffmpeg on lavfi fixtures whose keyframes are known (x264 with a fixed GOP, no scene cuts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  keyframesAtOrBefore,
  keyframeTimes,
  letterboxContent,
  probe,
  toolRuns,
  writeFrameJpegs,
  writePosterFromFrame,
} from '../../main/media/ffmpeg.ts';
import { keyframeTolerance, uniformTimes } from '../../main/media/sampling.ts';
import { sampleFrames } from '../../main/media/strategies.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const S = 64;
const x264 = (gop: number) => [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-g',
  String(gop),
  '-keyint_min',
  String(gop),
  '-sc_threshold',
  '0',
  '-pix_fmt',
  'yuv420p',
];
let gop4: string, oneKey: string, wide: string;
before(() => {
  // 60 s at 5 fps, a keyframe every 20 frames = every 4 s (0, 4, 8, …)
  gop4 = makeVideo(path.join(dir, 'gop4.mp4'), { seconds: 60, source: 'testsrc2=size=96x54:rate=5', args: x264(20) });
  // the same 60 s with a single keyframe at 0
  oneKey = makeVideo(path.join(dir, 'onekey.mp4'), { seconds: 60, source: 'testsrc2=size=96x54:rate=5', args: x264(1000) });
  wide = makeVideo(path.join(dir, 'wide.mp4'), { seconds: 2, source: 'testsrc2=size=320x180:rate=10', args: x264(10) });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('long video: each uniform time gets the keyframe at or before it, at its true time, inside its segment', async () => {
  const keys = await keyframeTimes(gop4);
  assert.deepEqual(keys.slice(0, 4), [0, 4, 8, 12], 'fixture has a 4 s GOP');
  const p = await probe(gop4);
  const k = 4; // 15 s per frame: the keyframe route
  const frames = await sampleFrames(gop4, { kind: 'uniform', k }, S, p);
  const want = uniformTimes(p.durationS, k); // 7.5, 22.5, 37.5, 52.5
  assert.equal(frames.length, k);
  frames.forEach((f, i) => {
    assert.ok(f.keyframe, `frame ${i} comes from a keyframe seek`);
    assert.ok(
      keys.some((t) => Math.abs(t - f.timeS) < 1e-3),
      `frame ${i} at ${f.timeS} s is a keyframe`,
    );
    assert.ok(f.timeS <= want[i] + 1e-3 && want[i] - f.timeS < 4, `frame ${i} at ${f.timeS} s is within one GOP before ${want[i]} s`);
  });
  assert.deepEqual(
    frames.map((f) => f.timeS),
    [4, 20, 36, 52],
  );
  // the picture is the video's, not black: testsrc2 is colourful everywhere
  assert.ok(frames.every((f) => f.rgb.some((v) => v > 50)));
});

test('a timestamp past the end gives no frame for its slot instead of failing the others', async () => {
  const got = await keyframesAtOrBefore(gop4, [10, 500], S);
  assert.equal(got[0]?.timeS, 8);
  // ffmpeg seeking past the end lands on the last keyframe or gives nothing; either way never a later time
  assert.ok(got[1] === null || got[1].timeS <= 60);
});

test('one keyframe only: the keyframe is too far from every uniform time, so the exact frames are decoded', async () => {
  assert.deepEqual(await keyframeTimes(oneKey), [0]);
  const p = await probe(oneKey);
  const k = 4;
  const want = uniformTimes(p.durationS, k);
  const frames = await sampleFrames(oneKey, { kind: 'uniform', k }, S, p);
  assert.equal(frames.length, k);
  assert.ok(
    frames.every((f) => !f.keyframe),
    'no frame is marked keyframe-nearest',
  );
  frames.forEach((f, i) => assert.ok(Math.abs(f.timeS - want[i]) <= 0.2 + 1e-9, `frame ${i} at ${f.timeS} s, wanted ${want[i]} s`));
  assert.equal(keyframeTolerance(60, 4), 7.5, 'the tolerance is half the spacing: a frame stays in its segment');
});

test('JPEGs written by the decoding ffmpeg go with their own frame, on every route: keyframe groups and exact seeks', async () => {
  const area = letterboxContent(96, 54, S);
  const pixels = (f: string) => execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  for (const [name, file, k] of [
    ['keyframe groups', gop4, 7], // two groups (5 + 2): each frame's JPEG comes from its own group's output
    ['exact seeks', oneKey, 3], // one keyframe: every frame from its own accurate seek
  ] as const) {
    const pics = fs.mkdtempSync(path.join(dir, 'pics-'));
    const p = await probe(file);
    const runs = toolRuns.ffmpeg;
    const frames = await sampleFrames(file, { kind: 'uniform', k }, S, p, { pictures: { dir: pics, area, widths: [48] } });
    assert.equal(frames.length, k, name);
    // keyframe groups: one ffmpeg a group of 5, none retried seek by seek (a JPEG output that failed a group would)
    if (file === gop4) assert.equal(toolRuns.ffmpeg - runs, 2, 'two keyframe groups, each one ffmpeg');
    // what the separate encoder makes of each frame's own pixels: testsrc2 moves, so a JPEG of another frame differs
    const sep = frames.map((_, i) => path.join(pics, 'sep', `${i}.jpg`));
    await writeFrameJpegs(
      frames.map((f) => f.rgb),
      S,
      area,
      sep,
      48,
    );
    frames.forEach((f, i) =>
      assert.ok(f.jpegs && pixels(f.jpegs[0]).equals(pixels(sep[i])), `${name}: frame ${i}'s JPEG shows that frame`),
    );
    assert.notDeepEqual(pixels(sep[0]), pixels(sep[1]), 'the fixture’s frames differ');
  }
});

test('the poster is a decoded frame with the letterbox cropped away: a real JPEG with the video’s aspect ratio', async () => {
  const size = 512;
  const p = await probe(wide);
  const [f] = await sampleFrames(wide, { kind: 'uniform', k: 1 }, size, p);
  assert.deepEqual(letterboxContent(320, 180, size), { x: 0, y: 112, w: 512, h: 288 });
  const out = path.join(dir, 'thumbs', 'wide.jpg');
  await writePosterFromFrame(f.rgb, size, p, out);
  const head = fs.readFileSync(out).subarray(0, 3);
  assert.deepEqual([...head], [0xff, 0xd8, 0xff], 'a JPEG');
  const dims = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', out], { encoding: 'utf8' })
    .trim()
    .split(',')
    .map(Number);
  assert.equal(dims[0], 320);
  assert.ok(Math.abs(dims[0] / dims[1] - 16 / 9) < 0.03, `poster ${dims.join('x')} keeps 16:9`);
  // no black band left: the poster's top and bottom rows carry the picture
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
  const row = (y: number) => raw.subarray(y * dims[0], (y + 1) * dims[0]);
  const mean = (b: Buffer) => b.reduce((s, v) => s + v, 0) / b.length;
  assert.ok(mean(row(0)) > 30 && mean(row(dims[1] - 1)) > 30, `edge rows are picture (${mean(row(0))}, ${mean(row(dims[1] - 1))})`);
  assert.equal(fs.readdirSync(path.dirname(out)).length, 1, 'written once, no temp file left');
});
