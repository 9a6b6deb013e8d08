// Videos indexed before the date recorded was read (migration 11) get it on their next rescan, by one more probe each;
// after that an unchanged file is never opened again, with or without a date; a changed file is read afresh.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { IndexService, type IndexContext } from '../../main/library/index-service.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { IndexRepo } from '../../main/store/index-repo.ts';
import { LibraryRepo, type RootRow } from '../../main/store/library-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const lib = path.join(dir, 'lib');
let db: Db, library: LibraryRepo, indexer: IndexService, root: RootRow;
const ctx = (): IndexContext => ({ signal: new AbortController().signal, progress: () => {} });
const row = (name: string) =>
  db.prepare('SELECT recorded_at, recorded_read, status, duration_s FROM videos WHERE name = ?').get(name) as {
    recorded_at: string | null;
    recorded_read: number;
    status: string;
    duration_s: number | null;
  };
const old = (file: string) => {
  const t = new Date(Date.now() - 3600_000);
  fs.utimesSync(file, t, t);
};
const clip = (name: string, date: string | null) =>
  makeVideo(path.join(lib, name), {
    seconds: 0.4,
    source: 'testsrc2=size=160x120:rate=10',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...(date ? ['-metadata', `creation_time=${date}`] : [])],
  });

before(() => {
  clip('dated.mp4', '2021-06-01T10:00:00Z');
  clip('undated.mkv', null);
  for (const f of fs.readdirSync(lib)) old(path.join(lib, f));
  db = openDb(path.join(dir, 'lib.db'));
  library = new LibraryRepo(db);
  indexer = new IndexService(new IndexRepo(db), library, { settleMs: 1000, settleCheckMs: 100, probeConcurrency: 1, probe: true });
  root = library.addRoot(lib);
});
after(() => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the first index reads the date with the probe it makes anyway', async () => {
  const r = await indexer.indexRoot(root, ctx());
  assert.equal(r.probed, 2);
  assert.equal(row('dated.mp4').recorded_at, '2021-06-01T10:00:00.000Z');
  assert.equal(row('undated.mkv').recorded_at, null);
  assert.equal(row('undated.mkv').recorded_read, 1);
});

test('videos probed before migration 11 are probed once more by the next rescan, then never again', async () => {
  // As a library indexed by an older Glimpse looks after migration 11: probed, tagged, no date read.
  db.prepare("UPDATE videos SET recorded_at = NULL, recorded_read = 0, status = 'ok'").run();
  const r1 = await indexer.indexRoot(root, ctx());
  assert.equal(r1.probed, 2, 'both unchanged files were probed for their date');
  assert.equal(r1.unchanged, 2);
  assert.equal(row('dated.mp4').recorded_at, '2021-06-01T10:00:00.000Z');
  assert.equal(row('dated.mp4').status, 'ok', 'a tagged video stays tagged');
  assert.equal(row('undated.mkv').recorded_read, 1);

  const r2 = await indexer.indexRoot(root, ctx());
  assert.equal(r2.probed, 0, 'an unchanged file, with a date or known to have none, is not opened again');
});

test('a file whose date cannot be read now is not marked broken, and is not retried for ever', async () => {
  db.prepare("UPDATE videos SET recorded_read = 0 WHERE name = 'undated.mkv'").run();
  // Same size and mtime (so the index sees it unchanged), but no longer a video.
  const f = path.join(lib, 'undated.mkv');
  const st = fs.statSync(f);
  fs.writeFileSync(f, Buffer.alloc(st.size, 0x20));
  fs.utimesSync(f, st.atime, st.mtime);
  const r1 = await indexer.indexRoot(root, ctx());
  assert.equal(r1.probed, 1);
  assert.notEqual(row('undated.mkv').status, 'error');
  assert.equal((await indexer.indexRoot(root, ctx())).probed, 0);
});

test('a changed file has its date read again', async () => {
  const f = path.join(lib, 'dated.mp4');
  fs.rmSync(f);
  clip('dated.mp4', '2022-07-07T07:07:07Z');
  old(f);
  const r = await indexer.indexRoot(root, ctx());
  assert.equal(r.changed, 1);
  assert.equal(row('dated.mp4').recorded_at, '2022-07-07T07:07:07.000Z');
});
