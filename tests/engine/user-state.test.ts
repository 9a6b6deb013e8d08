// What a person sets or does survives a restart and a cleared cache: settings and the undo stack live in the
// database; models refitted on the library in the data folder. A library made by an older Glimpse (settings.json and
// models in the cache folder) is moved over at start-up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { UNDO_DEPTH } from '../../main/store/tag-edits-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function library(name: string): Promise<{ db: string; ids: number[] }> {
  const root = path.join(dir, `${name}-videos`);
  fs.mkdirSync(root, { recursive: true });
  const db = path.join(dir, `${name}.db`);
  const e = new Engine({ dbPath: db });
  await e.call('library.addRoot', { path: root, scan: false });
  await e.close();
  const r = fs.realpathSync(root);
  const ids = seed(db, r, [
    { path: `${r}/dog.mp4`, durationS: 30, tags: [['dog', 0.9]] },
    { path: `${r}/cat.mp4`, durationS: 5, tags: [['cat', 0.95]] },
  ]);
  return { db, ids };
}

const names = async (e: Engine, q: string) => (await e.call('library.search', { q })).videos.map((v) => v.name).sort();

test('settings are saved in the database and survive a restart and a cleared cache', async () => {
  const { db } = await library('settings');
  let e = new Engine({ dbPath: db });
  assert.deepEqual(await e.call('settings.set', { k: 7, family: 'nextvlad' }).then((s) => [s.k, s.family]), [7, 'nextvlad']);
  await e.call('cache.clear', {});
  fs.rmSync(e.cacheDir, { recursive: true, force: true });
  await e.close();

  e = new Engine({ dbPath: db });
  assert.deepEqual(await e.call('settings.get', {}).then((s) => [s.k, s.family]), [7, 'nextvlad']);
  await e.close();

  // A run's own flags (glimpse add --k 3) beat the saved value for that run only.
  e = new Engine({ dbPath: db, scan: { k: 3 } });
  assert.equal((await e.call('settings.get', {})).k, 3);
  await e.close();
  e = new Engine({ dbPath: db });
  assert.equal((await e.call('settings.get', {})).k, 7);
  await e.close();
});

test('undo survives a restart, puts back exactly what the edit replaced, and keeps the last 100 edits', async () => {
  const { db, ids } = await library('undo');
  let e = new Engine({ dbPath: db });
  await e.call('tags.edit', { videoIds: [ids[0]], add: [], remove: ['dog'] });
  await e.call('tags.edit', { videoIds: ids, add: ['Holiday'], remove: [] });
  assert.deepEqual(await names(e, 'dog'), []);
  assert.deepEqual(await names(e, 'holiday'), ['cat.mp4', 'dog.mp4']);
  await e.close();

  e = new Engine({ dbPath: db });
  assert.match((await e.call('tags.undo', {})).undone ?? '', /\+holiday on 2 videos/);
  assert.deepEqual(await names(e, 'holiday'), []);
  await e.close();

  e = new Engine({ dbPath: db });
  const u = await e.call('tags.undo', {});
  assert.match(u.undone ?? '', /−dog on 1 video$/);
  assert.equal(u.undoDepth, 0);
  assert.deepEqual(await names(e, 'dog'), ['dog.mp4'], 'the predicted tag is back once the removal is undone');
  assert.equal((await e.call('tags.undo', {})).undone, null);

  // Only the newest UNDO_DEPTH edits are kept: undoing all of them leaves the first edit in place.
  for (let i = 0; i <= UNDO_DEPTH; i++) await e.call('tags.edit', { videoIds: [ids[1]], add: [`t${i}`], remove: [] });
  let undone = 0;
  while ((await e.call('tags.undo', {})).undone) undone++;
  assert.equal(undone, UNDO_DEPTH);
  assert.deepEqual(await names(e, 't0'), ['cat.mp4']);
  assert.deepEqual(await names(e, 't1'), []);
  await e.close();
});

test('a library from an older Glimpse: settings.json and refitted models move out of the cache folder', async () => {
  const { db } = await library('old');
  const cache = path.join(dir, 'old-cache');
  fs.mkdirSync(path.join(cache, 'models', 'student'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'models', 'student', 'manifest.json'), '{"format":"x"}');
  fs.writeFileSync(path.join(cache, 'settings.json'), JSON.stringify({ k: 12, family: 'hrnn' }));

  let e = new Engine({ dbPath: db });
  assert.equal(e.dataDir, path.join(dir, 'old-data'));
  assert.deepEqual(await e.call('settings.get', {}).then((s) => [s.k, s.family]), [12, 'hrnn']);
  assert.equal(fs.readFileSync(path.join(e.dataDir, 'models', 'student', 'manifest.json'), 'utf8'), '{"format":"x"}');
  assert.equal(fs.existsSync(path.join(cache, 'models')), false);
  assert.equal(fs.existsSync(path.join(cache, 'settings.json')), false);
  assert.equal(e.models.libraryDir, path.join(e.dataDir, 'models'));

  // Clearing the cache never touches them.
  await e.call('cache.clear', {});
  await e.close();
  fs.rmSync(cache, { recursive: true, force: true });
  e = new Engine({ dbPath: db });
  assert.equal((await e.call('settings.get', {})).k, 12);
  assert.ok(fs.existsSync(path.join(e.dataDir, 'models', 'student', 'manifest.json')));
  await e.close();
});
