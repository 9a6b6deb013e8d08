/**
 * library.search's cursor, through the engine (what the grid, the HTTP API and `glimpse videos` call): following `next`
 * lists every match once, in the order offset pages give, and ends with null; a cursor never applies to another search.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { buildLibrary } from '../bench/search-library.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
buildLibrary(path.join(dir, 'lib.db'), 600);
const engine = new Engine({ dbPath: path.join(dir, 'lib.db'), cacheDir: path.join(dir, 'cache'), dataDir: path.join(dir, 'data') });
after(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('following next lists every match once, like offset pages, then stops', async () => {
  const req = { q: 'tag:person', sort: 'duration', dir: 'desc', limit: 50 } as const;
  const first = await engine.call('library.search', req);
  assert.ok(first.total > 100, 'several pages');
  const byCursor = [...first.videos];
  for (let page = first; page.next;) {
    page = await engine.call('library.search', { ...req, cursor: page.next });
    assert.equal(page.total, first.total);
    byCursor.push(...page.videos);
  }
  const byOffset = [];
  for (let at = 0; at < first.total; at += 50) byOffset.push(...(await engine.call('library.search', { ...req, offset: at })).videos);
  assert.deepEqual(
    byCursor.map((v) => v.id),
    byOffset.map((v) => v.id),
  );
  assert.equal(new Set(byCursor.map((v) => v.id)).size, first.total);
  const last = await engine.call('library.search', { ...req, offset: first.total - 10 });
  assert.equal(last.next, null, 'no page after the last');
});

test('a cursor from another search, or a mangled one, is refused', async () => {
  const first = await engine.call('library.search', { q: 'tag:person', sort: 'date', dir: 'desc', limit: 20 });
  assert.ok(first.next);
  for (const other of [{ q: 'tag:car' }, { q: 'tag:person', sort: 'name' }, { q: 'tag:person', sort: 'date', dir: 'asc' }] as const) {
    await assert.rejects(engine.call('library.search', { sort: 'date', dir: 'desc', ...other, cursor: first.next }), /another search/);
  }
  await assert.rejects(
    engine.call('library.search', { q: 'tag:person', sort: 'date', dir: 'desc', cursor: 'bm90IGpzb24' }),
    /invalid cursor/,
  );
  // the limit may change from page to page
  const next = await engine.call('library.search', { q: 'tag:person', sort: 'date', dir: 'desc', limit: 7, cursor: first.next });
  const same = await engine.call('library.search', { q: 'tag:person', sort: 'date', dir: 'desc', limit: 7, offset: 20 });
  assert.deepEqual(
    next.videos.map((v) => v.id),
    same.videos.map((v) => v.id),
  );
});
