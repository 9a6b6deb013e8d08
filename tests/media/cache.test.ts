// The media cache's limits on real files: frames are trimmed least-recently-used first; posters of pruned videos
// are removed, others never; dirSize counts what is there. Keyframe times come from the packet index.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JobQueue } from '../../main/jobs/queue.ts';
import { LibraryOps } from '../../main/library/library-ops.ts';
import { dirSize, removeOrphans, touchCached, trimLru } from '../../main/media/cache.ts';
import { keyframeTimes, MediaError } from '../../main/media/ffmpeg.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
let clip: string;
before(() => {
  // 20 s, a keyframe every 2 s: 10 keyframes.
  clip = makeVideo(path.join(dir, 'lib', 'clip.mp4'), {
    seconds: 20,
    source: 'testsrc2=size=160x120:rate=10',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-keyint_min', '20', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'],
  });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('keyframe times come from the packet index; a file that is no video is a MediaError', async () => {
  const t = await keyframeTimes(clip);
  assert.equal(t.length, 10);
  assert.ok(
    t.every((x, i) => Math.abs(x - i * 2) < 0.01),
    t.join(','),
  );
  const bad = path.join(dir, 'bad.mp4');
  fs.writeFileSync(bad, 'text');
  await assert.rejects(
    keyframeTimes(bad),
    (e: Error) => e instanceof MediaError && /could not list keyframes: .*Invalid data/.test(e.message),
  );
});

test('dirSize counts the files under a folder, subfolders included; a missing folder is empty', () => {
  const d = path.join(dir, 'sized');
  fs.mkdirSync(path.join(d, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(d, 'one'), Buffer.alloc(100));
  fs.writeFileSync(path.join(d, 'a', 'b', 'two'), Buffer.alloc(23));
  assert.deepEqual(dirSize(d), { bytes: 123, files: 2 });
  assert.deepEqual(dirSize(path.join(dir, 'no such folder')), { bytes: 0, files: 0 });
});

test('trimLru removes the least recently used files first, down to the limit; old temp files always go', () => {
  const cache = path.join(dir, 'c1');
  fs.mkdirSync(path.join(cache, 'frames'), { recursive: true });
  const t0 = Date.now() / 1000 - 3600;
  for (let i = 0; i < 5; i++) {
    const f = path.join(cache, 'frames', `${i}-1-0.jpg`);
    fs.writeFileSync(f, Buffer.alloc(1000));
    fs.utimesSync(f, t0 + i, t0 + i);
  }
  touchCached(path.join(cache, 'frames', '0-1-0.jpg')); // the oldest, but just used
  const tmp = path.join(cache, 'frames', '9.jpg.123.tmp.jpg');
  fs.writeFileSync(tmp, 'x');
  fs.utimesSync(tmp, t0, t0);
  const r = trimLru([path.join(cache, 'frames')], 2500);
  assert.deepEqual(fs.readdirSync(path.join(cache, 'frames')).sort(), ['0-1-0.jpg', '4-1-0.jpg']);
  assert.equal(r.files, 4);
  assert.equal(r.bytes, 2000);
});

test('removeOrphans keeps files of live videos only', () => {
  const thumbs = path.join(dir, 'c2', 'thumbs');
  fs.mkdirSync(thumbs, { recursive: true });
  for (const n of ['1.jpg', '2.jpg', '3.jpg', 'notes.txt']) fs.writeFileSync(path.join(thumbs, n), 'x');
  assert.equal(removeOrphans(thumbs, new Set([1, 3])).files, 1);
  assert.deepEqual(fs.readdirSync(thumbs).sort(), ['1.jpg', '3.jpg', 'notes.txt']);
});

test('through the library: frames are trimmed to the limit; prune removes the posters of forgotten videos', () => {
  const db: Db = openDb(path.join(dir, 'lib.db'));
  try {
    const library = new LibraryRepo(db);
    const ops = new LibraryOps(db, library, new JobQueue(), async () => {});
    ops.cacheDir = path.join(dir, 'lib-cache');
    const root = library.addRoot(path.join(dir, 'lib'));
    library.upsertFiles(root.id, [{ path: clip, name: 'clip.mp4', sizeBytes: fs.statSync(clip).size, mtimeMs: fs.statSync(clip).mtimeMs }]);
    const v = library.pendingVideos()[0];
    fs.mkdirSync(path.join(ops.cacheDir, 'thumbs'), { recursive: true });
    fs.mkdirSync(path.join(ops.cacheDir, 'frames'), { recursive: true });
    fs.writeFileSync(path.join(ops.cacheDir, 'thumbs', `${v.id}.jpg`), 'poster');
    fs.writeFileSync(path.join(ops.cacheDir, 'thumbs', `${v.id + 100}.jpg`), 'orphan');
    fs.writeFileSync(path.join(ops.cacheDir, 'frames', `${v.id}-1-0.jpg`), 'frame');
    ops.cacheMaxBytes = 0; // every regenerable file goes; posters of live videos stay
    ops.trimCaches();
    assert.deepEqual(fs.readdirSync(path.join(ops.cacheDir, 'thumbs')), [`${v.id}.jpg`]);
    assert.deepEqual(fs.readdirSync(path.join(ops.cacheDir, 'frames')), []);
    db.prepare(`UPDATE videos SET status = 'missing'`).run();
    assert.equal(ops.prune().pruned, 1);
    assert.deepEqual(fs.readdirSync(path.join(ops.cacheDir, 'thumbs')), []);
  } finally {
    db.close();
  }
});
