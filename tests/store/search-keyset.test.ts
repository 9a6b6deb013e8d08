/**
 * Keyset pages (each continuing after the last row of the page before) are exactly the offset pages, for every sort in
 * both directions, on a library full of ties in the sort keys and of unknown durations and sizes (which sort last either
 * way). And every sort but confidence reads its page off an index instead of sorting the matches (migrations 10, 12).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseQuery } from '../../shared/query.ts';
import { BrowseRepo, type BrowseOptions, type BrowseRow } from '../../main/store/browse-repo.ts';
import { openDb } from '../../main/store/db.ts';
import { buildLibrary } from '../bench/search-library.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
buildLibrary(path.join(dir, 'lib.db'), 1200);
const lib = openDb(path.join(dir, 'lib.db'));
after(() => lib.close());
// Few distinct values per key, so pages split runs of equal keys; names differ only by case; some durations and
// resolutions and recording dates unknown.
lib.exec(`UPDATE videos SET
  name = CASE WHEN id % 2 = 0 THEN 'Clip ' ELSE 'clip ' END || (id % 9) || '.mp4',
  mtime_ms = 1600000000000 + (id % 4),
  duration_s = CASE WHEN id % 7 = 0 THEN NULL ELSE (id % 5) * 1.5 END,
  size_bytes = 1000 * (id % 3),
  added_at = '2026-01-0' || (1 + id % 3) || 'T00:00:00.000Z',
  width = CASE WHEN id % 6 = 0 THEN NULL ELSE 640 * (1 + id % 2) END,
  height = CASE WHEN id % 6 = 0 THEN NULL ELSE 360 * (1 + id % 2) END,
  recorded_at = CASE WHEN id % 5 = 0 THEN NULL ELSE '2021-0' || (1 + id % 3) || '-01T10:00:00.000Z' END`);
lib.exec(`UPDATE tags SET score = round(score, 1)`); // confidence ties too

const SORTS: BrowseOptions['sort'][] = ['name', 'date', 'duration', 'confidence', 'added', 'resolution', 'size', 'recorded'];
const opts = (q: string, sort: BrowseOptions['sort'], dir: BrowseOptions['dir']): BrowseOptions => ({
  query: parseQuery(q),
  sort,
  dir,
  attention: false,
  limit: 97,
  offset: 0,
  threshold: 0.5,
  lowConfidence: 0.6,
  sep: '/',
});

for (const q of ['', 'tag:person -tag:dog']) {
  for (const sort of SORTS) {
    for (const d of ['asc', 'desc'] as const) {
      test(`"${q}" by ${sort} ${d}: keyset pages are the offset pages`, () => {
        const repo = new BrowseRepo(lib);
        const o = opts(q, sort, d);
        const first = repo.search(o);
        const byOffset: BrowseRow[] = [];
        for (let at = 0; at < first.total; at += o.limit) byOffset.push(...repo.search({ ...o, offset: at }).rows);
        const byKey: BrowseRow[] = [...first.rows];
        let pages = 1;
        for (let p = first; p.last && p.rows.length === o.limit; pages++) {
          p = repo.search({ ...o, after: p.last, total: first.total, offset: 12345 /* ignored after a cursor */ });
          assert.equal(p.total, first.total, 'a cursor page keeps the first page’s count');
          byKey.push(...p.rows);
        }
        assert.ok(pages > 3, 'several pages');
        assert.equal(byOffset.length, first.total);
        assert.deepEqual(
          byKey.map((v) => v.id),
          byOffset.map((v) => v.id),
        );
        assert.deepEqual(byKey[0], byOffset[0], 'the same row contents, no sort key left in them');

        // and that order is the sort asked for: unknown values last either way, ties by id in the same direction
        const value = (v: BrowseRow): number | string | null =>
          ({
            name: v.name.toLowerCase(),
            date: v.mtime_ms,
            duration: v.duration_s,
            confidence: v.confidence,
            added: v.added_at,
            resolution: v.width === null || v.height === null ? null : v.width * v.height,
            size: v.size_bytes,
            recorded: v.recorded_at,
          })[sort] ?? null;
        const sign = d === 'asc' ? 1 : -1;
        for (let i = 1; i < byKey.length; i++) {
          const [a, b] = [value(byKey[i - 1]), value(byKey[i])];
          if (a === null) assert.equal(b, null, `unknown ${sort} last (${byKey[i].id})`);
          else if (b !== null && a !== b) assert.ok(sign * (a < b ? -1 : 1) < 0, `${sort} ${d} at ${byKey[i].id}: ${a} then ${b}`);
          else if (a === b) assert.ok(sign * (byKey[i - 1].id - byKey[i].id) < 0, `ties by id at ${byKey[i].id}`);
        }
        assert.ok(byKey.some((v) => value(v) === null) || sort !== 'duration', 'the library has unknown durations');
      });
    }
  }
}

/** The SQL and arguments of the page query `fn` runs, captured from the real connection. */
function pageQueryOf(fn: () => void): { sql: string; args: unknown[] } {
  let seen: { sql: string; args: unknown[] } | undefined;
  const prepare = lib.prepare.bind(lib);
  lib.prepare = ((sql: string) => {
    const st = prepare(sql);
    if (!/ORDER BY/.test(sql)) return st;
    const all = st.all.bind(st);
    st.all = ((...args: unknown[]) => ((seen = { sql, args }), all(...args))) as typeof st.all;
    return st;
  }) as typeof lib.prepare;
  try {
    fn();
  } finally {
    lib.prepare = prepare;
  }
  return seen!;
}

for (const sort of SORTS.filter((s) => s !== 'confidence')) {
  for (const d of ['asc', 'desc'] as const) {
    test(`a page by ${sort} ${d}, first or after a cursor, walks an index and stops after the page`, () => {
      const repo = new BrowseRepo(lib);
      const o = opts('', sort, d);
      const first = repo.search(o);
      const deep = { ...o, after: first.last!, total: first.total };
      for (const [run, walk] of [
        [() => repo.search(o), /^SCAN v USING INDEX videos_/],
        // after a cursor: starts at the cursor (an index range), not at the top of the index
        [() => repo.search(deep), /^SEARCH v USING INDEX videos_\w+ \(.*[<>]\?\)/],
      ] as const) {
        const { sql, args } = pageQueryOf(run);
        const plan = (lib.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
        assert.ok(!plan.some((p) => /TEMP B-TREE/.test(p)), `no sort of the matches:\n${plan.join('\n')}`);
        assert.ok(
          plan.some((p) => walk.test(p)),
          `walks a sort index:\n${plan.join('\n')}`,
        );
      }
    });
  }
}

test('a count drives from the rarest tag and agrees with the listed matches, whichever tag is rarer', () => {
  const repo = new BrowseRepo(lib);
  // a person's "no" on some person predictions, so the effective rows differ from the raw ones
  lib.exec(
    `INSERT OR IGNORE INTO tags(video_id, tag, source, score) SELECT video_id, 'person', 'human', 0 FROM tags WHERE tag = 'person' AND video_id % 5 = 0`,
  );
  for (const q of [
    'tag:dog -tag:person',
    'tag:person -tag:dog',
    'tag:dog tag:person',
    'tag:person tag:dog "folder 1"',
    'tag:PERSON -tag:car',
  ]) {
    const o = { ...opts(q, 'date', 'desc'), limit: 100_000 };
    const { total, rows } = repo.search(o);
    assert.equal(total, rows.length, q);
    assert.ok(total > 0, q);
    assert.deepEqual(
      repo.facets(o).find((f) => f.tag === (q.includes('dog') ? 'dog' : 'person'))?.count ?? 0,
      q.includes('-tag:dog') ? 0 : rows.length,
      `${q}: facets count the same matches`,
    );
  }
});
