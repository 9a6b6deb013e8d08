// Keyframe strips and the media cache's limits, on real files: strips decode keyframes only and are cached;
// frames/strips are trimmed least-recently-used first; posters of pruned videos are removed, others never.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JobQueue } from '../../main/jobs/queue.ts';
import { LibraryOps } from '../../main/library/library-ops.ts';
import { removeOrphans, touchCached, trimLru } from '../../main/media/cache.ts';
import { keyframeTimes, MediaError, writeKeyframeStrip } from '../../main/media/ffmpeg.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
let clip: string;
before(() => {
  // 20 s, a keyframe every 2 s: 10 keyframes.
  clip = makeVideo(path.join(dir, 'lib', 'clip.mp4'), { seconds: 20, source: 'testsrc2=size=160x120:rate=10',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-keyint_min', '20', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'] });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const size = (jpg: string) => execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', jpg], { encoding: 'utf8' }).trim();

test('keyframe times come from the packet index', async () => {
  const t = await keyframeTimes(clip);
  assert.equal(t.length, 10);
  assert.ok(t.every((x, i) => Math.abs(x - i * 2) < 0.01), t.join(','));
});

test('a strip shows up to N keyframes side by side at the requested height, never more than exist', async () => {
  const out = path.join(dir, 'strip.jpg');
  assert.equal(await writeKeyframeStrip(clip, out, 4, 60), 4);
  assert.equal(size(out), `${4 * 80 + 3 * 2},60`); // 160x120 scaled to 80x60, 2 px padding
  const tiny = makeVideo(path.join(dir, 'tiny.mp4'), { seconds: 1, source: 'testsrc2=size=160x120:rate=10' });
  assert.equal(await writeKeyframeStrip(tiny, path.join(dir, 'tiny.jpg'), 8, 60), 1);
  const bad = path.join(dir, 'bad.mp4');
  fs.writeFileSync(bad, 'text');
  await assert.rejects(writeKeyframeStrip(bad, path.join(dir, 'bad.jpg')), MediaError);
  assert.ok(!fs.existsSync(path.join(dir, 'bad.jpg')));
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp.')), [], 'no temp file left behind');
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

test('through the library: strips are cached per file version; prune removes the posters of forgotten videos', async () => {
  const db: Db = openDb(path.join(dir, 'lib.db'));
  try {
    const library = new LibraryRepo(db);
    const ops = new LibraryOps(db, library, new JobQueue(), async () => {});
    ops.cacheDir = path.join(dir, 'lib-cache');
    const root = library.addRoot(path.join(dir, 'lib'));
    library.upsertFiles(root.id, [{ path: clip, name: 'clip.mp4', sizeBytes: fs.statSync(clip).size, mtimeMs: fs.statSync(clip).mtimeMs }]);
    const v = library.pendingVideos()[0];
    const a = await ops.keyframeStrip(v.id, 5, 40);
    const stat = fs.statSync(a);
    assert.equal(await ops.keyframeStrip(v.id, 5, 40), a);
    assert.equal(fs.statSync(a).ino, stat.ino, 'served from the cache, not re-made');
    fs.mkdirSync(path.join(ops.cacheDir, 'thumbs'), { recursive: true });
    fs.writeFileSync(path.join(ops.cacheDir, 'thumbs', `${v.id}.jpg`), 'poster');
    fs.writeFileSync(path.join(ops.cacheDir, 'thumbs', `${v.id + 100}.jpg`), 'orphan');
    ops.cacheMaxBytes = 0; // every regenerable file goes; posters of live videos stay
    ops.trimCaches();
    assert.deepEqual(fs.readdirSync(path.join(ops.cacheDir, 'thumbs')), [`${v.id}.jpg`]);
    assert.ok(!fs.existsSync(a));
    db.prepare(`UPDATE videos SET status = 'missing'`).run();
    assert.equal(ops.prune().pruned, 1);
    assert.deepEqual(fs.readdirSync(path.join(ops.cacheDir, 'thumbs')), []);
  } finally { db.close(); }
});
