/**
 * With no ffmpeg on PATH, Glimpse runs the binaries bundled in @ffmpeg-installer/@ffprobe-installer. That ffmpeg is
 * a 2018 build (N-47683, about 4.1) without `-fps_mode`, so every call the app makes is run here against it, and a
 * real `glimpse add` scans with it; `glimpse doctor` says which ffmpeg runs.
 * This file's process strips PATH of ffmpeg after making its fixtures (mediaTools() decides once per process).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bundledTool } from '../../main/core/resources.ts';
import {
  framesAt,
  framesAtRate,
  framesBySeeking,
  hasFpsMode,
  keyframeTimes,
  mediaTools,
  probe,
  sceneCuts,
  writeThumbnail,
} from '../../main/media/ffmpeg.ts';
import { makeVideo, PROJECT_ROOT, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-ffmpeg-fallback-');
const noFfmpeg = path.join(dir, 'path');
let clip: string, cut: string;
const savedPath = process.env.PATH;
before(() => {
  clip = makeVideo(path.join(dir, 'lib', 'clip.mp4'), {
    seconds: 4,
    source: 'testsrc2=size=320x240:rate=25',
    args: ['-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p'],
  });
  // two shots: 2 s of bars, then 2 s of a plain colour (a cut at 2 s)
  cut = makeVideo(path.join(dir, 'cut.mp4'), {
    source: 'testsrc2=size=320x240:rate=25:duration=2[a];color=c=red:size=320x240:rate=25:duration=2[b];[a][b]concat=n=2',
    seconds: 4,
  });
  fs.mkdirSync(noFfmpeg);
  fs.symlinkSync(process.execPath, path.join(noFfmpeg, 'node'));
  process.env.PATH = noFfmpeg;
  delete process.env.GLIMPSE_FFMPEG;
  delete process.env.GLIMPSE_FFPROBE;
});
after(() => {
  process.env.PATH = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('-fps_mode only where ffmpeg has it (5.1 and later, or a git build from 2023 on)', () => {
  assert.equal(hasFpsMode('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers'), true);
  assert.equal(hasFpsMode('ffmpeg version 7.1 Copyright (c) 2000-2024'), true);
  assert.equal(hasFpsMode('ffmpeg version n5.0.1 Copyright (c) 2000-2022'), false);
  assert.equal(hasFpsMode('ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021'), false);
  assert.equal(hasFpsMode('ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018'), false);
  assert.equal(hasFpsMode('ffmpeg version N-112000-gabc Copyright (c) 2000-2023'), true);
});

test('with no ffmpeg on PATH the bundled binaries run, and the old ffmpeg is known not to have -fps_mode', () => {
  const t = mediaTools();
  assert.equal(t.ffmpeg?.source, 'bundled');
  assert.equal(t.ffmpeg?.path, bundledTool('ffmpeg'));
  assert.equal(t.ffprobe?.source, 'bundled');
  assert.equal(t.ffprobe?.path, bundledTool('ffprobe'));
  assert.equal(t.ffmpeg?.fpsMode, false, `bundled ffmpeg ${t.ffmpeg?.version}`);
});

test('every ffmpeg call the app makes works with the bundled ffmpeg', async () => {
  const p = await probe(clip);
  assert.equal(p.width, 320);
  assert.equal(p.height, 240);
  assert.ok(Math.abs(p.durationS - 4) < 0.1, `duration ${p.durationS}`);

  const times = [0, 1, 2.5, 3.5];
  const picked = await framesAt(clip, times, 64);
  assert.deepEqual(
    picked.map((f) => Math.round(f.timeS * 10) / 10),
    times,
  );
  assert.ok(picked.every((f) => f.rgb.length === 64 * 64 * 3));

  const teacher = await framesAtRate(clip, 1, 300, 64);
  assert.equal(teacher.length, 4);

  const sought = await framesBySeeking(clip, [1, 3], 64);
  assert.deepEqual(
    sought.map((f) => Math.round(f.timeS)),
    [1, 3],
  );

  const poster = path.join(dir, 'poster.jpg');
  await writeThumbnail(clip, 1, poster, 160);
  assert.deepEqual([...fs.readFileSync(poster).subarray(0, 2)], [0xff, 0xd8], 'a JPEG');

  const keys = await keyframeTimes(clip);
  assert.deepEqual(
    keys.map((k) => Math.round(k)),
    [0, 1, 2, 3],
  );

  const cuts = await sceneCuts(cut, 0.3);
  assert.ok(
    cuts.some((c) => Math.abs(c - 2) < 0.1),
    `the cut at 2 s is found: ${cuts.join(', ')}`,
  );
});

test('glimpse doctor names the bundled ffmpeg and a real scan runs with it', () => {
  const db = path.join(dir, 'lib.db');
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'main', 'cli', 'bin.js'), ...args, '--db', db], {
      encoding: 'utf8',
      env: { ...process.env, PATH: noFfmpeg },
      timeout: 600_000,
    });
  const doctor = cli(['doctor']);
  assert.match(doctor.stdout, /^ffmpeg: +N-47683\S* \(bundled with Glimpse\) at .*@ffmpeg-installer/m);
  assert.match(doctor.stdout, /^ffprobe: +\S+ \(bundled with Glimpse\) at .*@ffprobe-installer/m);
  const add = cli(['add', path.join(dir, 'lib'), '--k', '3']);
  assert.equal(add.status, 0, add.stderr);
  const show = JSON.parse(cli(['show', '1', '--json']).stdout) as {
    scans: { kind: string; frames: number }[];
    frames: unknown[];
    error?: string | null;
  };
  assert.ok(
    show.scans.some((s) => s.kind === 'student' && s.frames === 3),
    JSON.stringify(show).slice(0, 400),
  );
  assert.equal(show.frames.length, 3);
});
