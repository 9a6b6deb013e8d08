// Incremental indexing against real files made by ffmpeg: identity by fingerprint, changes, deletions, deferral.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { IndexService, type IndexContext } from '../../main/library/index-service.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { IndexRepo } from '../../main/store/index-repo.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { makeVideo, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const lib = path.join(dir, 'lib');
let db: Db, library: LibraryRepo, repo: IndexRepo, scans: ScansRepo, indexer: IndexService;
const ctx = (): IndexContext => ({ signal: new AbortController().signal, progress: () => {} });
const past = (file: string) => {
  const t = new Date(Date.now() - 3600_000);
  fs.utimesSync(file, t, t);
};
const byPath = () => new Map(library.list({ limit: 1000, offset: 0 }).rows.map((v) => [v.path, v]));

before(() => {
  makeVideo(path.join(lib, 'a clip.mp4'), { seconds: 1 });
  makeVideo(path.join(lib, 'deep', 'ünï cödé', 'b.mkv'), { seconds: 1 });
  makeVideo(path.join(lib, 'c.webm'), { source: 'mandelbrot=size=160x120:rate=10', seconds: 1 });
  fs.writeFileSync(path.join(lib, 'text.mp4'), 'just text');
  fs.writeFileSync(path.join(lib, 'empty.mp4'), '');
  execFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '1', path.join(lib, 'audio-only.mkv')]);
  for (const f of walkFiles(lib)) past(f);
  db = openDb(path.join(dir, 'lib.db'));
  library = new LibraryRepo(db);
  repo = new IndexRepo(db);
  scans = new ScansRepo(db);
  indexer = new IndexService(repo, library, { settleMs: 3000, settleCheckMs: 300, probeConcurrency: 2, probe: true });
});
after(() => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function execFfmpeg(args: string[]) {
  makeVideo(args[args.length - 1], { source: args[3], seconds: 1, args: ['-vn'] });
}
function walkFiles(d: string): string[] {
  return fs
    .readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walkFiles(path.join(d, e.name)) : [path.join(d, e.name)]));
}

test('first index: videos probed, broken files recorded with a clear error, nothing stops', async () => {
  const root = library.addRoot(lib);
  const r = await indexer.indexRoot(root, ctx());
  assert.equal(r.added, 6);
  const v = byPath();
  assert.equal(v.get(path.join(lib, 'a clip.mp4'))?.status, 'pending');
  assert.ok((v.get(path.join(lib, 'a clip.mp4'))?.duration_s ?? 0) > 0.5);
  assert.equal(v.get(path.join(lib, 'deep', 'ünï cödé', 'b.mkv'))?.width, 320);
  assert.match(v.get(path.join(lib, 'text.mp4'))?.error ?? '', /not a readable video/);
  assert.equal(v.get(path.join(lib, 'empty.mp4'))?.status, 'error');
  assert.match(v.get(path.join(lib, 'audio-only.mkv'))?.error ?? '', /no video stream/);
  const errs = repo.errors();
  assert.equal(errs.filter((e) => e.kind === 'video').length, 3);
});

test('a second index of an unchanged tree costs nothing', async () => {
  const r = await indexer.indexRoot(library.roots()[0], ctx());
  assert.deepEqual([r.added, r.changed, r.moved, r.missing, r.probed, r.unchanged], [0, 0, 0, 0, 0, 6]);
});

test('a moved and renamed file keeps its row, scans and tags', async () => {
  const before = byPath().get(path.join(lib, 'a clip.mp4'))!;
  scans.saveScan(
    {
      videoId: before.id,
      kind: 'student',
      model: 'm',
      seconds: 1,
      decodeSeconds: 0.5,
      cnnSeconds: 0.5,
      frames: [{ timeS: 0.5, embedding: new Float32Array(4), classScores: new Float32Array(2) }],
      tags: [{ tag: 'dog', score: 0.9 }],
    },
    () => library.setOk(before.id, null),
  );
  const to = path.join(lib, 'deep', 'renamed clip.mp4');
  fs.renameSync(path.join(lib, 'a clip.mp4'), to);
  const r = await indexer.indexRoot(library.roots()[0], ctx());
  assert.equal(r.moved, 1);
  assert.equal(r.added, 0);
  assert.equal(r.missing, 0);
  const after = byPath().get(to)!;
  assert.equal(after.id, before.id);
  assert.equal(after.status, 'ok');
  assert.equal(scans.scansOf(after.id).length, 1);
  assert.deepEqual(
    scans
      .tagsOf([after.id])
      .get(after.id)
      ?.map((t) => t.tag),
    ['dog'],
  );
});

test('a file moved to another root while the old root was not rescanned is still recognised', async () => {
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  const from = path.join(lib, 'c.webm');
  const id = byPath().get(from)!.id;
  fs.renameSync(from, path.join(other, 'c.webm'));
  const r = await indexer.indexRoot(library.addRoot(other), ctx());
  assert.equal(r.moved, 1);
  assert.equal(byPath().get(path.join(other, 'c.webm'))?.id, id);
});

test('changed content is re-scanned; a touch alone is not', async () => {
  const file = path.join(lib, 'deep', 'ünï cödé', 'b.mkv');
  const id = byPath().get(file)!.id;
  const t = new Date(Date.now() - 1800_000);
  fs.utimesSync(file, t, t);
  let r = await indexer.indexRoot(
    library.roots().find((x) => x.path === lib)!,
    ctx(),
  );
  assert.equal(r.changed, 0);
  assert.equal(r.touched, 1);
  makeVideo(file, { seconds: 2, source: 'testsrc2=size=160x120:rate=25' });
  past(file);
  r = await indexer.indexRoot(
    library.roots().find((x) => x.path === lib)!,
    ctx(),
  );
  assert.equal(r.changed, 1);
  const v = byPath().get(file)!;
  assert.equal(v.id, id);
  assert.equal(v.status, 'pending');
  assert.equal(v.width, 160); // probed again
});

test('a deleted file is marked missing, then pruned on request', async () => {
  const file = path.join(lib, 'text.mp4');
  fs.rmSync(file);
  const r = await indexer.indexRoot(
    library.roots().find((x) => x.path === lib)!,
    ctx(),
  );
  assert.equal(r.missing, 1);
  assert.equal(byPath().get(file)?.status, 'missing');
  const pruned = repo.pruneMissing();
  assert.deepEqual(
    pruned.map((p) => p.path),
    [file],
  );
  assert.equal(byPath().get(file), undefined);
});

test('a file still being written is deferred, and indexed once it settles', async () => {
  const file = path.join(lib, 'growing.mp4');
  makeVideo(file, { seconds: 1 });
  const timer = setInterval(() => fs.appendFileSync(file, Buffer.alloc(1000)), 50);
  const root = library.roots().find((x) => x.path === lib)!;
  let r: Awaited<ReturnType<IndexService['indexRoot']>>;
  try {
    r = await indexer.indexRoot(root, ctx());
  } finally {
    clearInterval(timer);
  }
  assert.deepEqual(r.deferred, [file]);
  assert.equal(byPath().get(file), undefined);
  r = await indexer.indexRoot(root, ctx()); // stopped growing: a recent but stable file is taken
  assert.equal(r.added, 1);
});

test('an unreachable root marks nothing missing', async () => {
  const gone = path.join(dir, 'unplugged');
  fs.mkdirSync(gone);
  makeVideo(path.join(gone, 'x.mp4'), { seconds: 1 });
  past(path.join(gone, 'x.mp4'));
  const root = library.addRoot(gone);
  await indexer.indexRoot(root, ctx());
  fs.rmSync(gone, { recursive: true });
  const r = await indexer.indexRoot(root, ctx());
  assert.equal(r.missing, 0);
  assert.equal(r.walkErrors, 1);
  assert.equal(byPath().get(path.join(gone, 'x.mp4'))?.status, 'pending');
  assert.ok(repo.errors().some((e) => e.kind === 'walk' && e.path === gone));
});
