// library.search (query language, facets, sort, filters), human edits that win over predictions, undo, rename, export.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { runCli, tempDir } from '../helpers/fixtures.ts';
import { seed } from './seed.ts';

const dir = tempDir('glimpsesearch'); // no token of its own in the path for a short prefix to match (see tags-browse)
const db = path.join(dir, 'lib.db');
const root = path.join(dir, 'lib');
let engine: Engine;
let ids: number[];

before(async () => {
  fs.mkdirSync(path.join(root, 'beach'), { recursive: true });
  engine = new Engine({ dbPath: db });
  await engine.call('library.addRoot', { path: root, scan: false });
  const r = fs.realpathSync(root);
  ids = seed(db, r, [
    {
      path: `${r}/beach/dog walk.mp4`,
      durationS: 30,
      tags: [
        ['dog', 0.9],
        ['person', 0.7],
      ],
    },
    { path: `${r}/beach/cat nap.mp4`, durationS: 5, tags: [['cat', 0.95]] },
    {
      path: `${r}/party.mp4`,
      durationS: 120,
      tags: [
        ['person', 0.52],
        ['cell phone', 0.55],
      ],
    },
    { path: `${r}/=HYPERLINK("x").mp4`, durationS: 60, tags: [['person', 0.98]] },
    { path: `${r}/broken.mp4`, status: 'error', error: 'not a video' },
  ]);
});

after(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const names = async (req: Record<string, unknown>) => (await engine.call('library.search', req)).videos.map((v) => v.name);

test('tags with AND / OR / NOT and free text over names', async () => {
  assert.deepEqual(await names({ q: 'person' }), ['=HYPERLINK("x").mp4', 'dog walk.mp4', 'party.mp4']);
  assert.deepEqual(await names({ q: 'person dog' }), ['dog walk.mp4']);
  assert.deepEqual(await names({ q: 'person -dog' }), ['=HYPERLINK("x").mp4', 'party.mp4']);
  assert.deepEqual(await names({ q: 'cat OR dog' }), ['cat nap.mp4', 'dog walk.mp4']);
  assert.deepEqual(await names({ q: '"cell phone"' }), ['party.mp4']);
  assert.deepEqual(await names({ q: 'nap' }), ['cat nap.mp4']);
  assert.deepEqual(await names({ q: 'beach -cat' }), ['dog walk.mp4']);
  assert.deepEqual(await names({ q: 'par' }), ['party.mp4'], 'prefix match');
  assert.equal((await engine.call('library.search', { q: 'person -dog' })).understood, 'tag:person AND NOT tag:dog');
});

test('sort, folder, duration and needs-attention filters; facets count the filtered set', async () => {
  assert.deepEqual(await names({ sort: 'duration', dir: 'desc', q: 'person' }), ['party.mp4', '=HYPERLINK("x").mp4', 'dog walk.mp4']);
  assert.deepEqual(await names({ sort: 'confidence', dir: 'desc', q: 'person' }), ['=HYPERLINK("x").mp4', 'dog walk.mp4', 'party.mp4']);
  assert.deepEqual(await names({ folder: path.join(fs.realpathSync(root), 'beach') }), ['cat nap.mp4', 'dog walk.mp4']);
  assert.deepEqual(await names({ minDurationS: 11, maxDurationS: 60 }), ['=HYPERLINK("x").mp4', 'dog walk.mp4']);
  assert.deepEqual(await names({ attention: true }), ['broken.mp4', 'party.mp4']);
  const r = await engine.call('library.search', { q: 'person', facets: true, limit: 1 });
  assert.equal(r.total, 3);
  assert.equal(r.videos.length, 1);
  assert.deepEqual(r.facets, [
    { tag: 'person', count: 3 },
    { tag: 'cell phone', count: 1 },
    { tag: 'dog', count: 1 },
  ]);
  assert.ok(r.folders.includes(path.join(fs.realpathSync(root), 'beach')));
  const page2 = await engine.call('library.search', { limit: 2, offset: 2 });
  assert.equal(page2.total, 5);
  assert.deepEqual(
    page2.videos.map((v) => v.name),
    ['cat nap.mp4', 'dog walk.mp4'],
  );
});

test('human edits win over predictions and undo restores them', async () => {
  const [dogWalk, catNap] = ids;
  let r = await engine.call('tags.edit', { videoIds: [dogWalk], remove: ['dog'], add: ['Beach Day'] });
  assert.equal(r.changed, 2);
  assert.deepEqual(await names({ q: 'dog' }), []);
  assert.deepEqual(await names({ q: 'tag:"beach day"' }), ['dog walk.mp4']);
  const v = await engine.call('library.video', { id: dogWalk });
  assert.deepEqual(
    v.tags.map((t) => [t.tag, t.source]),
    [
      ['beach day', 'human'],
      ['person', 'student'],
    ],
  );
  r = await engine.call('tags.edit', { videoIds: [dogWalk, catNap], add: ['holiday'] });
  assert.equal(r.changed, 2);
  assert.deepEqual(await names({ q: 'tag:holiday' }), ['cat nap.mp4', 'dog walk.mp4']);
  const u1 = await engine.call('tags.undo', {});
  assert.match(u1.undone ?? '', /holiday on 2 videos/);
  assert.deepEqual(await names({ q: 'tag:holiday' }), []);
  await engine.call('tags.undo', {});
  assert.deepEqual(await names({ q: 'dog' }), ['dog walk.mp4']);
  assert.equal((await engine.call('tags.undo', {})).undone, null);
});

test('rename a tag everywhere, undoable', async () => {
  const r = await engine.call('tags.rename', { from: 'person', to: 'people' });
  assert.equal(r.changed, 3);
  assert.deepEqual(await names({ q: 'person' }), []);
  assert.deepEqual(await names({ q: 'people' }), ['=HYPERLINK("x").mp4', 'dog walk.mp4', 'party.mp4']);
  await engine.call('tags.undo', {});
  assert.equal((await names({ q: 'person' })).length, 3);
  await assert.rejects(engine.call('tags.rename', { from: 'nothing', to: 'x' }), /no video carries/);
});

test('export CSV and JSON, also from the CLI', async () => {
  const csv = await engine.call('tags.export', { format: 'csv' });
  const lines = csv.content.trim().split('\n');
  assert.equal(lines[0], 'video_id,path,tag,score,source');
  assert.equal(lines.length, 7);
  assert.ok(lines.some((l) => l.includes('party.mp4,cell phone,0.55,student')));
  const json = JSON.parse((await engine.call('tags.export', { format: 'json' })).content);
  assert.equal(json.videos.length, 4);
  await engine.close();
  const cli = await runCli(['export', '--format', 'csv', '--db', db]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout, csv.content);
  const out = path.join(dir, 'tags.json');
  const cli2 = await runCli(['export', '--format', 'json', '--out', out, '--db', db]);
  assert.equal(cli2.code, 0, cli2.stderr);
  assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).videos.length, 4);
  assert.equal((await runCli(['export', '--format', 'xml', '--db', db])).code, 2);
  engine = new Engine({ dbPath: db });
});
