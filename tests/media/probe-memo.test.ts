/**
 * `probe` remembers what ffprobe said about a file while it stays the same file (so `glimpse add` does not probe each
 * file twice, once to index and once to scan), and never answers for a file that changed since: a video replaced in
 * place, even with its modification time put back, is probed again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { probe } from '../../main/media/ffmpeg.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-probe-memo-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a video replaced in place is probed again, even with its old modification time', async () => {
  const file = path.join(dir, 'clip.mp4');
  makeVideo(file, { source: 'testsrc2=size=160x120:rate=10', seconds: 2 });
  const first = await probe(file);
  assert.ok(Math.abs(first.durationS - 2) < 0.2, `first: ${first.durationS} s`);
  assert.deepEqual(await probe(file), first, 'the same file, the same answer');

  const { atime, mtime } = fs.statSync(file);
  const other = path.join(dir, 'other.mp4');
  makeVideo(other, { source: 'testsrc2=size=320x240:rate=10', seconds: 5 });
  fs.copyFileSync(other, file); // same path, new content
  fs.utimesSync(file, atime, mtime); // a copy tool that keeps times
  const second = await probe(file);
  assert.ok(Math.abs(second.durationS - 5) < 0.2, `after the replacement: ${second.durationS} s`);
  assert.deepEqual([second.width, second.height], [320, 240]);
});

test('a caller changing the answer it got does not change what the next caller gets', async () => {
  const file = path.join(dir, 'kept.mp4');
  makeVideo(file, { source: 'testsrc2=size=160x120:rate=10', seconds: 1 });
  const a = await probe(file);
  a.durationS = 999;
  assert.ok((await probe(file)).durationS < 2);
});

test('a failed probe is not remembered: the file is asked again once it is a video', async () => {
  const file = path.join(dir, 'late.mp4');
  fs.writeFileSync(file, Buffer.from('not yet a video'));
  await assert.rejects(probe(file));
  const tmp = path.join(dir, 'late-src.mp4');
  makeVideo(tmp, { source: 'testsrc2=size=160x120:rate=10', seconds: 1 });
  fs.renameSync(tmp, file);
  assert.ok((await probe(file)).durationS > 0.5);
});
