/**
 * "It keeps working": a generated hostile corpus (truncated, empty and mislabelled files, a huge frame, a file with
 * 120 streams, a rotated and a VFR clip, a FIFO, a UNIX socket, symlink loops, a symlink escaping the root, and names
 * with unicode, a newline, a leading dash, quotes, `$(...)` and invalid UTF-8) through the real CLI. The command must
 * end, index nothing outside the root, scan every valid video, give every broken one a specific reason, run no
 * shell, keep the database intact and keep its one-line-per-video output one line per video.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { VideoSummary } from '../../shared/api.ts';
import { PROJECT_ROOT, makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-hostile-');
const root = path.join(dir, 'root');
const outside = path.join(dir, 'outside');
const db = path.join(dir, 'lib.db');
const env = { GLIMPSE_SETTLE_MS: '0' };
let socket: net.Server | null = null;

const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'pipe' });

/** Valid videos by their names relative to the root; each must end `ok`. */
const VALID = [
  'plain.mp4',
  'ünïcode 日本語 🎬.mp4',
  'new\nline.mp4',
  '-rf.mp4',
  `quo"te's.mp4`,
  '$(touch pwned).mp4',
  '`touch pwned`; rm -rf x.mp4',
  'mp4 with unknown extension.video',
  'rotated.mp4',
  'vfr.mkv',
  'many-streams.mkv',
  'huge-frame.mov',
];
/** Broken files, each must end `error` with a reason matching the pattern (not a stack trace). */
const BROKEN: Record<string, RegExp> = {
  'truncated.mp4': /not a readable video|invalid|moov/i,
  'empty.mp4': /^not a readable video: empty file \(0 bytes\)$/,
  'picture.mp4': /zero or unknown duration|not a readable video/i,
};
const BAD_NAME = Buffer.concat([Buffer.from(root + '/bad-'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('.mp4')]);

before(() => {
  const clip = makeVideo(path.join(dir, 'src.mp4'), { seconds: 2 });
  fs.mkdirSync(root, { recursive: true });
  for (const name of VALID.slice(0, 8)) fs.copyFileSync(clip, path.join(root, name));
  fs.copyFileSync(clip, BAD_NAME); // invalid UTF-8 in the name (Linux allows any bytes but / and NUL)
  fs.copyFileSync(clip, path.join(root, 'an mp4 named.txt')); // .txt is never probed: not indexed, by design
  ff('-i', clip, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', path.join(root, 'rotated.mp4')); // display matrix
  // Variable frame rate: frames dropped irregularly, timestamps kept.
  ff('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '3', '-vf', "select='not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'", '-fps_mode', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(root, 'vfr.mkv')); // prettier-ignore
  // 1 video + 120 audio + 20 subtitle streams.
  const srt = path.join(dir, 'sub.srt');
  fs.writeFileSync(srt, '1\n00:00:00,000 --> 00:00:01,000\nhello\n');
  ff('-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-i', srt, '-t', '2', '-map', '0:v', ...Array.from({ length: 120 }, () => ['-map', '1:a']).flat(), ...Array.from({ length: 20 }, () => ['-map', '2:s']).flat(), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-c:s', 'srt', path.join(root, 'many-streams.mkv')); // prettier-ignore
  // The largest frame ffmpeg's image checks allow is just under 16384² ((w+128)·(h+128) < 2³¹/8): one 16000×16000 JPEG.
  ff('-f', 'lavfi', '-i', 'color=c=blue:size=16000x16000', '-frames:v', '1', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', path.join(root, 'huge-frame.mov')); // prettier-ignore

  const whole = fs.readFileSync(clip);
  fs.writeFileSync(path.join(root, 'truncated.mp4'), whole.subarray(0, Math.floor(whole.length / 10)));
  fs.writeFileSync(path.join(root, 'empty.mp4'), '');
  ff('-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', path.join(root, 'picture.mp4'));

  execFileSync('mkfifo', [path.join(root, 'fifo.mp4')]);
  execFileSync('mkfifo', [path.join(root, 'fifo-no-extension')]);
  fs.symlinkSync('fifo.mp4', path.join(root, 'link-to-fifo.mp4'));
  socket = net.createServer().listen(path.join(root, 'socket.mp4'));
  fs.symlinkSync('loop-b.mp4', path.join(root, 'loop-a.mp4')); // a -> b -> a
  fs.symlinkSync('loop-a.mp4', path.join(root, 'loop-b.mp4'));
  fs.mkdirSync(path.join(root, 'sub'));
  fs.symlinkSync('..', path.join(root, 'sub', 'parent')); // a folder linked to its parent
  makeVideo(path.join(outside, 'secret.mp4'), { seconds: 1 });
  fs.symlinkSync(path.join(outside, 'secret.mp4'), path.join(root, 'escape.mp4'));
  fs.symlinkSync(outside, path.join(root, 'escape-dir'));
  fs.symlinkSync('../..', path.join(root, 'sub', 'way-up')); // the test's temp folder, holding `outside`
});

after(async () => {
  await new Promise<void>((res) => (socket ? socket.close(() => res()) : res()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const rel = (p: string) => path.relative(root, p);
let videos: VideoSummary[] = [];
let addOut: { videos: number; tagged: number; errors: { path: string; error: string }[] } | null = null;

test('add terminates on the hostile corpus and scans every valid video', { timeout: 240_000 }, async () => {
  const r = await runCli(['add', root, '--db', db, '--k', '2', '--concurrency', '1', '--json'], { env, timeoutMs: 200_000 });
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  addOut = JSON.parse(r.stdout);
  videos = JSON.parse((await runCli(['videos', '--db', db, '--json'], { env })).stdout).videos;
  const byName = new Map(videos.map((v) => [rel(v.path), v]));
  for (const name of VALID) {
    const v = byName.get(name);
    assert.ok(v, `${JSON.stringify(name)} indexed (have ${JSON.stringify([...byName.keys()])})`);
    assert.equal(v.status, 'ok', `${JSON.stringify(name)}: ${v.status} ${v.error}`);
    assert.ok(v.durationS !== null && v.width !== null, `${JSON.stringify(name)} probed`);
  }
  assert.equal(byName.get('huge-frame.mov')?.width, 16000);
});

test('broken files end `error` with a specific reason, not a stack trace', () => {
  const byName = new Map(videos.map((v) => [rel(v.path), v]));
  for (const [name, reason] of Object.entries(BROKEN)) {
    const v = byName.get(name);
    assert.ok(v, `${name} indexed`);
    assert.equal(v.status, 'error', `${name}: ${v.status}`);
    assert.match(v.error ?? '', reason, name);
    assert.doesNotMatch(v.error ?? '', /\n\s+at |Error: /, `${name}: no stack trace`);
  }
  for (const e of addOut!.errors) assert.doesNotMatch(e.error, /\n\s+at /);
});

test('nothing outside the root, no special file, no symlink loop, no .txt is indexed', () => {
  const names = videos.map((v) => rel(v.path)).sort();
  assert.deepEqual(names, [...VALID, ...Object.keys(BROKEN)].sort());
  for (const v of videos) assert.ok(!v.path.startsWith(outside) && v.path.startsWith(root + path.sep), v.path);
  assert.equal(addOut!.videos, VALID.length + Object.keys(BROKEN).length);
});

test('`errors` explains the loop, the escaping links and the invalid UTF-8 name', async () => {
  const r = await runCli(['errors', '--db', db, '--json'], { env });
  const errors = JSON.parse(r.stdout) as { path: string; error: string; kind: string }[];
  const walk = new Map(errors.filter((e) => e.kind === 'walk').map((e) => [rel(e.path), e.error]));
  assert.match(walk.get('loop-a.mp4') ?? '', /ELOOP|loop/);
  assert.match(walk.get('escape.mp4') ?? '', /outside the library folder/);
  assert.match(walk.get('escape-dir') ?? '', /outside the library folder/);
  assert.match(walk.get(path.join('sub', 'way-up')) ?? '', /outside the library folder/);
  const bad = [...walk].find(([p]) => p.startsWith('bad-'));
  assert.ok(bad, JSON.stringify([...walk]));
  assert.equal(bad[0], 'bad-\\xff\\xfe\\x80.mp4');
  assert.match(bad[1], /file name is not valid UTF-8/);
  for (const e of errors) assert.doesNotMatch(e.error, /ENOENT: stat failed/);
});

test('no shell ran: no file named pwned anywhere', () => {
  for (const d of [dir, root, PROJECT_ROOT, os.tmpdir(), process.cwd()]) assert.ok(!fs.existsSync(path.join(d, 'pwned')), d);
});

test('the database is intact', () => {
  const d = new Database(db, { readonly: true });
  try {
    assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    d.close();
  }
});

test('one line per video: control characters in names are escaped', async () => {
  for (const args of [['videos'], ['search', videos.flatMap((v) => v.tags)[0]?.tag ?? 'person'], ['errors']]) {
    const r = await runCli([...args, '--db', db], { env });
    assert.equal(r.code, 0, r.stderr);
    if (args[0] === 'videos') {
      assert.ok(r.stdout.includes(`${root}/new\\nline.mp4`), r.stdout);
      assert.equal(r.stdout.trimEnd().split('\n').length, VALID.length + Object.keys(BROKEN).length);
    }
    for (const line of r.stdout.trimEnd().split('\n')) {
      if (line === '(no videos)' || line === '(no errors)') continue;
      assert.ok(line.includes(root) || /^\s*\d+\s/.test(line), `${args[0]}: a line that is not a video: ${JSON.stringify(line)}`);
    }
  }
});
