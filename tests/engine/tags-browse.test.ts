// The tags page and the library's browsing controls through the engine: rename/merge/delete as undoable human edits,
// prefix search, a minimum confidence, sorting by added/resolution/size; all through the one search path.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../main/engine/engine.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

// Free text matches the whole path: the random suffix is glued to a fixed word ("glimpsebrowseX1b2c3") so it is never a
// token of its own that "p" could prefix (with 'glimpse-test-' it was, 1 run in ~30).
const dir = tempDir('glimpsebrowse');
const db = path.join(dir, 'lib.db');
const root = path.join(dir, 'lib');
let engine: Engine;

before(async () => {
  fs.mkdirSync(root, { recursive: true });
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const r = fs.realpathSync(root);
  const ids = seed(db, r, [
    {
      path: `${r}/walk.mp4`,
      tags: [
        ['person', 0.9],
        ['dog', 0.7],
      ],
    },
    {
      path: `${r}/party.mp4`,
      tags: [
        ['person', 0.55],
        ['cup', 0.8],
      ],
    },
    { path: `${r}/pen test.mp4`, tags: [['cat', 0.95]] },
    { path: `${r}/kitten.mp4`, tags: [['kitty', 1, 'human']] },
  ]);
  // Sizes, resolutions and index order that differ from name order, so each sort key is seen to act.
  const d = new Database(db);
  const upd = d.prepare('UPDATE videos SET size_bytes = ?, width = ?, height = ?, added_at = ? WHERE id = ?');
  upd.run(300, 1920, 1080, '2026-01-03T00:00:00.000Z', ids[0]);
  upd.run(100, 640, 360, '2026-01-01T00:00:00.000Z', ids[1]);
  upd.run(200, null, null, '2026-01-04T00:00:00.000Z', ids[2]);
  upd.run(400, 1280, 720, '2026-01-02T00:00:00.000Z', ids[3]);
  d.close();
});

after(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const names = async (req: Record<string, unknown>) => (await engine.call('library.search', req)).videos.map((v) => v.name);
const counts = async () => Object.fromEntries((await engine.call('library.tags', {})).map((t) => [t.tag, t.count]));

test('prefix search: "pe", "per", "perso" find person (and still file names that start so)', async () => {
  assert.deepEqual(await names({ q: 'pe' }), ['party.mp4', 'pen test.mp4', 'walk.mp4']);
  assert.deepEqual(await names({ q: 'per' }), ['party.mp4', 'walk.mp4']);
  assert.deepEqual(await names({ q: 'perso' }), ['party.mp4', 'walk.mp4']);
  assert.deepEqual(await names({ q: 'person' }), ['party.mp4', 'walk.mp4']);
  assert.equal((await engine.call('library.search', { q: 'perso' })).understood, 'tag:person OR text:perso');
  assert.deepEqual(await names({ q: 'kit' }), ['kitten.mp4'], 'human tags complete too');
  assert.deepEqual(await names({ q: '-perso' }), ['kitten.mp4', 'pen test.mp4']);
  assert.equal((await engine.call('library.search', { q: '-perso' })).understood, 'NOT (tag:person OR text:perso)');
  assert.deepEqual(await names({ q: 'p' }), ['party.mp4', 'pen test.mp4'], 'one letter is a name prefix only, not completed to tags');
});

test('a minimum confidence hides weaker tags everywhere: tag terms, facets, the card confidence', async () => {
  assert.deepEqual(await names({ q: 'person', minConfidence: 0.8 }), ['walk.mp4']);
  const r = await engine.call('library.search', { q: '', minConfidence: 0.85, facets: true, sort: 'name' });
  assert.deepEqual(
    r.videos.map((v) => [v.name, v.confidence === null ? null : Math.round(v.confidence * 1e6) / 1e6]),
    [
      ['kitten.mp4', null], // only a person's tag: kept, with no model confidence to show ("yours")
      ['pen test.mp4', 0.95],
      ['walk.mp4', 0.9],
    ],
    'party (best 0.8) is gone; human tags always count',
  );
  assert.deepEqual(Object.fromEntries(r.facets.map((f) => [f.tag, f.count])), { cat: 1, kitty: 1, person: 1 });
});

test('sort by date added, resolution and size', async () => {
  assert.deepEqual(await names({ sort: 'added' }), ['party.mp4', 'kitten.mp4', 'walk.mp4', 'pen test.mp4']);
  assert.deepEqual(await names({ sort: 'resolution', dir: 'desc' }), ['walk.mp4', 'kitten.mp4', 'party.mp4', 'pen test.mp4']);
  assert.deepEqual(await names({ sort: 'resolution' }), ['party.mp4', 'kitten.mp4', 'walk.mp4', 'pen test.mp4'], 'unknown last');
  assert.deepEqual(await names({ sort: 'size', dir: 'desc' }), ['kitten.mp4', 'walk.mp4', 'pen test.mp4', 'party.mp4']);
});

test('tags page edits: rename, merge onto an existing tag, delete; each one undo step', async () => {
  const r1 = await engine.call('tags.rename', { from: 'kitty', to: 'Cat' });
  assert.deepEqual([r1.changed, r1.merged], [1, true], 'cat existed: a merge');
  assert.equal((await counts()).cat, 2);
  assert.equal((await counts()).kitty, undefined);
  assert.deepEqual(await names({ q: 'tag:cat' }), ['kitten.mp4', 'pen test.mp4']);

  const r2 = await engine.call('tags.rename', { from: 'cup', to: 'mug' });
  assert.equal(r2.merged, false);
  assert.equal((await counts()).mug, 1);

  const d = await engine.call('tags.delete', { tag: 'Person' });
  assert.equal(d.changed, 2);
  assert.equal((await counts()).person, undefined);
  assert.deepEqual(await names({ q: 'tag:person' }), []);
  await assert.rejects(engine.call('tags.delete', { tag: 'person' }), /no video carries the tag “person”/);

  assert.match((await engine.call('tags.undo', {})).undone ?? '', /^delete person from 2 videos/);
  assert.equal((await counts()).person, 2, 'undo brings the deleted tag back on both videos');
  assert.match((await engine.call('tags.undo', {})).undone ?? '', /^rename cup → mug/);
  assert.match((await engine.call('tags.undo', {})).undone ?? '', /^merge kitty → cat/);
  assert.deepEqual(await counts(), { person: 2, cat: 1, cup: 1, dog: 1, kitty: 1 });
});

test('a relative folder path is refused, not resolved against the server’s working folder', async () => {
  await assert.rejects(engine.call('library.addRoot', { path: 'relative/path', scan: false }), /use a full path.*relative/);
});
