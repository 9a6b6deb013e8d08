// Folder watching on a real directory tree with real inotify watchers and the real incremental index:
// additions (also in folders created after watching started), moves, deletions, a file still being written,
// debouncing, and the fallback to periodic rescans when the system refuses more watches.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JobQueue } from '../../main/jobs/queue.ts';
import { LibraryOps } from '../../main/library/library-ops.ts';
import { LibraryWatcher } from '../../main/library/watch.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const lib = path.join(dir, 'lib');
const src = path.join(dir, 'src'); // videos are made here and moved in, as a finished copy would arrive
let db: Db, library: LibraryRepo, jobs: JobQueue, ops: LibraryOps;
const jobKinds: string[] = [];

before(async () => {
  fs.mkdirSync(path.join(lib, 'sub'), { recursive: true });
  makeVideo(path.join(src, 'a.mp4'), { seconds: 1, source: 'testsrc2=size=96x64:rate=10' });
  makeVideo(path.join(src, 'b.mp4'), { seconds: 1, source: 'mandelbrot=size=96x64:rate=10' });
  makeVideo(path.join(src, 'c.mp4'), { seconds: 1, source: 'testsrc=size=96x64:rate=10' });
  db = openDb(path.join(dir, 'w.db'));
  library = new LibraryRepo(db);
  jobs = new JobQueue();
  jobs.on('job', (j) => {
    if (j.state === 'running' && j.message === 'starting') jobKinds.push(j.kind);
  });
  ops = new LibraryOps(db, library, jobs, async () => {}, { settleMs: 300, settleCheckMs: 150 });
  ops.watchScans = false;
  library.addRoot(lib);
  const w = ops.startWatching({ debounceMs: 150, maxDirs: 100, pollMs: 60_000 });
  await w.sync(library.roots());
});
after(() => {
  ops?.stopWatching();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rows = () => new Map(library.list({ limit: 1000, offset: 0 }).rows.map((v) => [path.relative(lib, v.path), v]));
async function until(what: string, cond: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; rows: ${[...rows().entries()].map(([p, v]) => `${p}=${v.status}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the watcher covers every folder of the root', () => {
  const s = ops.watchStatus();
  assert.equal(s.active, true);
  assert.equal(s.roots.length, 1);
  assert.equal(s.roots[0].mode, 'watching');
  assert.equal(s.roots[0].dirs, 2); // lib and lib/sub
});

test('a new file is indexed without any command; a burst of files is one rescan', async () => {
  const before = jobKinds.length;
  fs.renameSync(path.join(src, 'a.mp4'), path.join(lib, 'a.mp4'));
  fs.renameSync(path.join(src, 'b.mp4'), path.join(lib, 'sub', 'b.mp4'));
  await until(
    'a and b indexed',
    () => rows().get('a.mp4')?.duration_s != null && rows().get(path.join('sub', 'b.mp4'))?.duration_s != null,
  );
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(jobKinds.length - before, 1, `jobs: ${jobKinds.slice(before).join(', ')}`);
});

test('a folder created after watching started is watched too', async () => {
  fs.mkdirSync(path.join(lib, 'new folder', 'deeper'), { recursive: true });
  await until('new folders watched', () => ops.watchStatus().roots[0].dirs === 4);
  fs.renameSync(path.join(src, 'c.mp4'), path.join(lib, 'new folder', 'deeper', 'c ünï.mp4'));
  await until('c indexed', () => rows().get(path.join('new folder', 'deeper', 'c ünï.mp4'))?.duration_s != null);
});

test('a move keeps the row; a deletion marks it missing', async () => {
  const id = rows().get('a.mp4')!.id;
  fs.renameSync(path.join(lib, 'a.mp4'), path.join(lib, 'new folder', 'a moved.mp4'));
  await until('move seen', () => rows().get(path.join('new folder', 'a moved.mp4'))?.id === id);
  fs.rmSync(path.join(lib, 'sub', 'b.mp4'));
  await until('deletion seen', () => rows().get(path.join('sub', 'b.mp4'))?.status === 'missing');
});

test('a file still being written is deferred, then indexed once it settles', async () => {
  const file = path.join(lib, 'growing.mp4');
  fs.copyFileSync(path.join(lib, 'new folder', 'a moved.mp4'), path.join(dir, 'copy-src.mp4'));
  fs.writeFileSync(file, fs.readFileSync(path.join(dir, 'copy-src.mp4')).subarray(0, 1000));
  const timer = setInterval(() => fs.appendFileSync(file, Buffer.alloc(2000)), 40);
  await new Promise((r) => setTimeout(r, 900));
  clearInterval(timer);
  // Whatever the watcher saw mid-write was deferred, not indexed half-written; after it stops, it is taken.
  await until('growing file indexed', () => rows().get('growing.mp4')?.size_bytes === fs.statSync(file).size);
});

test('our own database and hidden or non-media files do not trigger rescans', async () => {
  await new Promise((r) => setTimeout(r, 500));
  const before = jobKinds.length;
  fs.writeFileSync(path.join(lib, 'notes.txt'), 'x');
  fs.writeFileSync(path.join(lib, '.hidden.mp4'), 'x');
  fs.writeFileSync(path.join(lib, 'lib.db-wal'), 'x');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(jobKinds.length, before);
});

test('at the system watch limit (ENOSPC simulated at the fs.watch edge) a root falls back to periodic rescans and says so', async () => {
  const changes: number[][] = [];
  const statuses: string[] = [];
  let calls = 0;
  const limited = (d: string, l: (e: string, f: string | Buffer | null) => void) => {
    if (++calls > 2) throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
    return fs.watch(d, { persistent: false }, l);
  };
  const w = new LibraryWatcher(
    (ids) => changes.push(ids),
    { debounceMs: 50, maxDirs: 1000, pollMs: 200 },
    limited,
    (s) => statuses.push(s.reason ?? ''),
  );
  try {
    await w.sync([{ id: 7, path: lib }]);
    const s = w.status().roots[0];
    assert.equal(s.mode, 'polling');
    assert.equal(s.dirs, 0, 'watchers of a degraded root are closed');
    assert.match(s.reason ?? '', /ENOSPC.*max_user_watches.*rescanning every/);
    assert.equal(statuses.length, 1);
    await until('a periodic rescan', () => changes.length >= 2, 3000);
    assert.deepEqual(changes[0], [7]);
  } finally {
    w.close();
  }
});

test('more folders than the cap: periodic rescans instead of partial watching', async () => {
  const w = new LibraryWatcher(() => {}, { debounceMs: 50, maxDirs: 2, pollMs: 60_000 });
  try {
    await w.sync([{ id: 1, path: lib }]);
    assert.equal(w.status().roots[0].mode, 'polling');
    assert.match(w.status().roots[0].reason ?? '', /more than 2 folders/);
  } finally {
    w.close();
  }
});
