// The walker on hostile trees: symlink loops, hidden files, deep nesting, FIFOs, dangling links, odd names.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { looksLikeVideo, verdictByName } from '../../main/library/media-detect.ts';
import { escapeControl, escapeNameBytes, walkVideos } from '../../main/library/walk.ts';
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

test('links escaping the root are not followed; names that are not UTF-8 are explained, not "ENOENT"', async () => {
  const root = path.join(dir, 'contained');
  const away = path.join(dir, 'away');
  const clip = makeVideo(path.join(away, 'secret.mp4'), { seconds: 1 });
  fs.mkdirSync(path.join(root, 'in'), { recursive: true });
  fs.copyFileSync(clip, path.join(root, 'in', 'mine.mp4'));
  fs.symlinkSync(clip, path.join(root, 'escape.mp4'));
  fs.symlinkSync(away, path.join(root, 'escape-dir'));
  fs.symlinkSync(path.join(root, 'in'), path.join(root, 'inner-link')); // inside: followed (the file is found once)
  fs.symlinkSync(path.join(root, 'in', 'mine.mp4'), path.join(root, 'inner-file-link.mp4'));
  fs.copyFileSync(clip, Buffer.concat([Buffer.from(path.join(root, 'bad-')), Buffer.from([0xff, 0x41]), Buffer.from('.mp4')]));
  fs.mkdirSync(Buffer.concat([Buffer.from(path.join(root, 'dir-')), Buffer.from([0xc3])]));

  const r = await walkVideos(root);
  assert.deepEqual(
    r.files.map((f) => fs.realpathSync(f.path)),
    [fs.realpathSync(path.join(root, 'in', 'mine.mp4'))],
  ); // reached three ways, all inside the root: one file
  const errors = Object.fromEntries(r.errors.map((e) => [path.relative(root, e.path), e.error]));
  assert.deepEqual(Object.keys(errors).sort(), ['bad-\\xffA.mp4', 'dir-\\xc3', 'escape-dir', 'escape.mp4']);
  assert.match(errors['escape.mp4'], /outside the library folder/);
  assert.match(errors['escape-dir'], /outside the library folder/);
  assert.match(errors['bad-\\xffA.mp4'], /^file name is not valid UTF-8: bad-\\xffA\.mp4/);
  assert.match(errors['dir-\\xc3'], /^folder name is not valid UTF-8/);
});

test('names are escaped for one-line display', () => {
  assert.equal(escapeControl('a\nb\tc\x1b[0m ü'), 'a\\nb\\tc\\x1b[0m ü');
  assert.equal(escapeNameBytes(Buffer.from([0x61, 0xe2, 0x82, 0xac, 0xe2, 0x82, 0x0a])), 'a€\\xe2\\x82\\n');
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
