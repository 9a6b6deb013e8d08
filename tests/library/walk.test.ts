// The walker on hostile trees: symlink loops, hidden files, deep nesting, FIFOs, dangling links, odd names.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { looksLikeVideo, verdictByName } from '../../main/library/media-detect.ts';
import { walkVideos } from '../../main/library/walk.ts';
import { fingerprint } from '../../main/library/fingerprint.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('walks loops, deep trees and odd names once; skips hidden, non-media and special files; records errors', async () => {
  const root = path.join(dir, 'root');
  const clip = makeVideo(path.join(root, 'sp ace', '日本語 ünï.mp4'), { seconds: 1 });
  fs.copyFileSync(clip, path.join(root, 'no-extension-video'));
  fs.writeFileSync(path.join(root, 'notes.txt'), 'hello');
  fs.writeFileSync(path.join(root, 'mystery.bin2'), 'not a video either');
  fs.mkdirSync(path.join(root, '.hidden'));
  fs.copyFileSync(clip, path.join(root, '.hidden', 'secret.mp4'));
  fs.copyFileSync(clip, path.join(root, '.dotfile.mp4'));
  fs.symlinkSync(root, path.join(root, 'sp ace', 'loop')); // a loop back to the root
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(root, 'dangling.mp4'));
  execFileSync('mkfifo', [path.join(root, 'pipe.mp4')]);
  let deep = path.join(root, 'deep');
  for (let i = 0; i < 120; i++) deep = path.join(deep, `d${i}`);
  fs.mkdirSync(deep, { recursive: true });
  fs.copyFileSync(clip, path.join(deep, 'bottom.mkv'));

  const r = await walkVideos(root);
  const names = r.files.map((f) => path.relative(root, f.path)).sort();
  assert.deepEqual(
    names,
    [path.relative(root, path.join(deep, 'bottom.mkv')), 'no-extension-video', path.join('sp ace', '日本語 ünï.mp4')].sort(),
  );
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].path, path.join(root, 'dangling.mp4'));
  assert.match(r.errors[0].error, /ENOENT/);
});

test('a root that cannot be read is an error, not a crash', async () => {
  const r = await walkVideos(path.join(dir, 'does-not-exist'));
  assert.equal(r.files.length, 0);
  assert.equal(r.errors.length, 1);
});

test('detection by name and by magic bytes', () => {
  assert.equal(verdictByName('a.MP4'), 'video');
  assert.equal(verdictByName('a.jpg'), 'skip');
  assert.equal(verdictByName('a.part'), 'skip');
  assert.equal(verdictByName('README'), 'maybe');
  assert.ok(looksLikeVideo(Buffer.from([0, 0, 0, 0x20, ...Buffer.from('ftypisom')])));
  assert.ok(looksLikeVideo(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x01])));
  assert.ok(looksLikeVideo(Buffer.from('GIF89a......')));
  assert.ok(!looksLikeVideo(Buffer.from('hello world, this is text')));
});

test('fingerprints: equal for equal content anywhere, different for different content', async () => {
  const a = path.join(dir, 'fa.bin'),
    b = path.join(dir, 'fb.bin'),
    c = path.join(dir, 'fc.bin');
  const data = Buffer.alloc(1_000_000, 7);
  fs.writeFileSync(a, data);
  fs.writeFileSync(b, data);
  data[500_000] = 8; // inside the middle sampled block
  fs.writeFileSync(c, data);
  assert.equal(await fingerprint(a), await fingerprint(b));
  assert.notEqual(await fingerprint(a), await fingerprint(c));
  fs.writeFileSync(c, 'small');
  assert.match(await fingerprint(c), /^5:/);
});
