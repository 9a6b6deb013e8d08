/**
 * A page of search results sorted by name or by date comes straight off an index (migration 10): the right videos in
 * the right order, and SQLite stops after the page instead of sorting every match (at 100k videos "car and not cat,
 * by name" went from ~90 to ~4 CPU-ms; see npm run bench). The plan is read from the SQL BrowseRepo really runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseQuery } from '../../shared/query.ts';
import { BrowseRepo, type BrowseOptions } from '../../main/store/browse-repo.ts';
import { openDb } from '../../main/store/db.ts';
import { buildLibrary } from '../bench/search-library.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
buildLibrary(path.join(dir, 'lib.db'), 3000);
const lib = openDb(path.join(dir, 'lib.db'));
after(() => lib.close());

/** The SQL statements `fn` prepares, captured from the real connection. */
function preparedBy(fn: () => void): string[] {
  const seen: string[] = [];
  const prepare = lib.prepare.bind(lib);
  lib.prepare = ((sql: string) => (seen.push(sql), prepare(sql))) as typeof lib.prepare;
  try {
    fn();
  } finally {
    lib.prepare = prepare;
  }
  return seen;
}

const opts = (q: string, sort: BrowseOptions['sort'], dir: BrowseOptions['dir'], offset = 0): BrowseOptions => ({
  query: parseQuery(q),
  sort,
  dir,
  attention: false,
  limit: 50,
  offset,
  threshold: 0.4,
  lowConfidence: 0.5,
  sep: '/',
});

for (const [q, sort, direction, offset] of [
  ['tag:car -tag:cat', 'name', 'asc', 0],
  ['tag:person -tag:dog', 'date', 'desc', 0],
  ['tag:person', 'date', 'desc', 300],
  ['tag:person', 'date', 'asc', 0],
] as const) {
  test(`"${q}" sorted by ${sort} ${direction}${offset ? `, offset ${offset}` : ''}: the right page, read off an index`, () => {
    const repo = new BrowseRepo(lib);
    const o = opts(q, sort, direction, offset);
    let page: ReturnType<BrowseRepo['search']> | undefined;
    const sqls = preparedBy(() => (page = repo.search(o)));

    // the page is exactly the matches in the asked order (ties broken by id), at the asked offset
    const all = repo.search({ ...o, limit: 100_000, offset: 0 }).rows;
    assert.ok(all.length > offset + 50, 'enough matches to page through');
    const key = (v: (typeof all)[number]) => (sort === 'name' ? v.name.toLowerCase() : v.mtime_ms);
    const sign = direction === 'asc' ? 1 : -1;
    const expected = [...all].sort((a, b) => sign * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
    assert.deepEqual(
      page!.rows.map((v) => v.id),
      expected.slice(offset, offset + 50).map((v) => v.id),
    );
    assert.equal(page!.total, all.length);

    const pageSql = sqls.find((s) => /ORDER BY/.test(s))!;
    const args = [
      o.threshold,
      ...(q.match(/tag:/g) ?? []).flatMap((_, i) => [q.split(/\s+/)[i].replace(/^-?tag:/, ''), o.threshold]),
      50,
      offset,
    ];
    const plan = (lib.prepare(`EXPLAIN QUERY PLAN ${pageSql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
    assert.ok(!plan.some((d) => /TEMP B-TREE FOR (LAST TERM OF )?ORDER BY/.test(d)), `no sort of the matches:\n${plan.join('\n')}`);
    assert.ok(
      plan.some((d) => /SCAN v USING INDEX videos_(name_nocase|mtime)/.test(d)),
      `walks the sort index:\n${plan.join('\n')}`,
    );
  });
}
