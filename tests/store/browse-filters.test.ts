/**
 * Sorting and filtering by date recorded, date added, resolution and size (migration 11), on a real SQLite library
 * through the SQL BrowseRepo runs: which videos each filter keeps, the order of each sort with unknown dates last both
 * ways, and that a "recorded" page is read off an index rather than sorting every video.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { rangeEnd, rangeStart } from '../../shared/date-range.ts';
import { BrowseRepo, type BrowseOptions } from '../../main/store/browse-repo.ts';
import { openDb } from '../../main/store/db.ts';
import { IndexRepo } from '../../main/store/index-repo.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const db = openDb(path.join(dir, 'lib.db'));
after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const library = new LibraryRepo(db);
const index = new IndexRepo(db);
const root = library.addRoot('/videos');

const MB = 1024 * 1024;
// name, recorded (null: the file has no date), added, width × height, size
const fixtures: [string, string | null, string, number, number, number][] = [
  ['beach.mp4', '2021-06-01T10:00:00.000Z', '2024-01-10T08:00:00.000Z', 1920, 1080, 40 * MB],
  ['birthday.mov', '2019-03-10T18:30:00.000Z', '2024-01-10T08:00:01.000Z', 1280, 720, 12 * MB],
  ['drone.mp4', '2023-01-05T09:30:00.000Z', '2025-05-20T12:00:00.000Z', 3840, 2160, 900 * MB],
  ['phone portrait.mp4', '2021-06-01T23:59:59.000Z', '2025-05-20T12:00:00.000Z', 1080, 1920, 25 * MB],
  ['old tape.avi', null, '2024-01-10T08:00:02.000Z', 640, 480, 300 * MB],
  ['film.mkv', null, '2025-06-01T00:00:00.000Z', 1920, 800, 2 * MB],
];
const ids = new Map<string, number>();
for (const [name, recorded, added, w, h, size] of fixtures) {
  const id = index.insert({ rootId: root.id, path: `/videos/${name}`, name, sizeBytes: size, mtimeMs: 0, fingerprint: name });
  library.setProbe(id, { durationS: 10, width: w, height: h, fps: 25, codec: 'h264', hasAudio: false, recordedAt: recorded });
  // added_at is the time of the first index (a column default); these videos were "added" on the days above.
  db.prepare('UPDATE videos SET added_at = ? WHERE id = ?').run(added, id);
  ids.set(name, id);
}
const repo = new BrowseRepo(db);

const opts = (o: Partial<BrowseOptions>): BrowseOptions => ({
  query: null,
  sort: 'name',
  dir: 'asc',
  attention: false,
  limit: 100,
  offset: 0,
  threshold: 0.5,
  lowConfidence: 0.6,
  sep: '/',
  ...o,
});
const names = (o: Partial<BrowseOptions>) => repo.search(opts(o)).rows.map((r) => r.name);
const kept = (o: Partial<BrowseOptions>) => new Set(names(o));

test('sort by date recorded: oldest or newest first, videos without a date last both ways', () => {
  assert.deepEqual(names({ sort: 'recorded', dir: 'asc' }), [
    'birthday.mov',
    'beach.mp4',
    'phone portrait.mp4',
    'drone.mp4',
    'old tape.avi', // no date: last, ties by id
    'film.mkv',
  ]);
  assert.deepEqual(names({ sort: 'recorded', dir: 'desc' }), [
    'drone.mp4',
    'phone portrait.mp4',
    'beach.mp4',
    'birthday.mov',
    'film.mkv', // no date: still last (ties by id, descending like the rest)
    'old tape.avi',
  ]);
  // paging walks the same order
  assert.deepEqual(names({ sort: 'recorded', dir: 'asc', limit: 2, offset: 3 }), ['drone.mp4', 'old tape.avi']);
});

test('a "recorded" page is read off an index in both directions, not sorted', () => {
  for (const d of ['asc', 'desc'] as const) {
    // the statement BrowseRepo really prepares for the page, captured from the connection
    const seen: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => (seen.push(sql), prepare(sql))) as typeof db.prepare;
    try {
      repo.search(opts({ sort: 'recorded', dir: d, limit: 50 }));
    } finally {
      db.prepare = prepare;
    }
    const pageSql = seen.find((q) => /ORDER BY/.test(q))!;
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${pageSql}`).all(0.5, 50, 0) as { detail: string }[]).map((r) => r.detail);
    assert.ok(!plan.some((p) => /TEMP B-TREE/.test(p)), `${d}: ${plan.join(' | ')}`);
    assert.ok(
      plan.some((p) => /videos_recorded/.test(p)),
      `${d}: ${plan.join(' | ')}`,
    );
  }
});

test('recorded between two days keeps the whole of both days; videos without a date are left out', () => {
  // A bare day is the whole local day; this test pins the zone it means to UTC by passing instants.
  const june1 = { recordedFrom: '2021-06-01T00:00:00.000Z', recordedBefore: '2021-06-02T00:00:00.000Z' };
  assert.deepEqual(kept(june1), new Set(['beach.mp4', 'phone portrait.mp4']));
  assert.deepEqual(kept({ recordedFrom: '2021-01-01T00:00:00.000Z' }), new Set(['beach.mp4', 'phone portrait.mp4', 'drone.mp4']));
  assert.deepEqual(kept({ recordedBefore: '2021-01-01T00:00:00.000Z' }), new Set(['birthday.mov']));
  // The engine's own bounds for days (shared/date-range.ts) in this process's zone: a day's last second is in.
  const from = rangeStart('2021-06-01')!,
    before = rangeEnd('2021-06-01')!;
  const local = fixtures.filter(([, r]) => r !== null && r >= from && r < before).map(([n]) => n);
  assert.deepEqual(kept({ recordedFrom: from, recordedBefore: before }), new Set(local));
});

test('added between two days', () => {
  assert.deepEqual(kept({ addedFrom: '2025-01-01T00:00:00.000Z' }), new Set(['drone.mp4', 'phone portrait.mp4', 'film.mkv']));
  assert.deepEqual(
    kept({ addedFrom: '2024-01-10T00:00:00.000Z', addedBefore: '2024-01-11T00:00:00.000Z' }),
    new Set(['beach.mp4', 'birthday.mov', 'old tape.avi']),
  );
  // and sorted by it, newest first
  assert.deepEqual(names({ sort: 'added', dir: 'desc' }).slice(0, 1), ['film.mkv']);
});

test('minimum resolution: 720p, 1080p and 4K by the short side, a portrait phone and a letterboxed film included', () => {
  assert.deepEqual(kept({ minResolution: 720 }), new Set(['beach.mp4', 'birthday.mov', 'drone.mp4', 'phone portrait.mp4', 'film.mkv']));
  assert.deepEqual(kept({ minResolution: 1080 }), new Set(['beach.mp4', 'drone.mp4', 'phone portrait.mp4', 'film.mkv']));
  assert.deepEqual(kept({ minResolution: 2160 }), new Set(['drone.mp4']));
  // a video never probed has no size: no resolution filter keeps it
  const id = index.insert({ rootId: root.id, path: '/videos/new.mp4', name: 'new.mp4', sizeBytes: 1, mtimeMs: 0, fingerprint: 'new' });
  try {
    assert.ok(!kept({ minResolution: 1 }).has('new.mp4'));
    assert.ok(kept({}).has('new.mp4'));
  } finally {
    db.prepare('DELETE FROM videos WHERE id = ?').run(id);
  }
});

test('size range, bounds included', () => {
  assert.deepEqual(kept({ minSizeBytes: 25 * MB, maxSizeBytes: 300 * MB }), new Set(['beach.mp4', 'phone portrait.mp4', 'old tape.avi']));
  assert.deepEqual(kept({ maxSizeBytes: 12 * MB }), new Set(['birthday.mov', 'film.mkv']));
  assert.deepEqual(kept({ minSizeBytes: 901 * MB }), new Set());
});

test('filters combine with each other, with search and with every sort, and the total counts what they keep', () => {
  const o = { minResolution: 1080, recordedFrom: '2021-01-01T00:00:00.000Z', maxSizeBytes: 100 * MB } as const;
  const r = repo.search(opts({ ...o, sort: 'recorded', dir: 'desc' }));
  assert.deepEqual(
    r.rows.map((v) => v.name),
    ['phone portrait.mp4', 'beach.mp4'],
  );
  assert.equal(r.total, 2);
  assert.deepEqual(names({ ...o, sort: 'size', dir: 'asc' }), ['phone portrait.mp4', 'beach.mp4']);
  assert.deepEqual(names({ ...o, query: { type: 'term', field: 'text', value: 'beach' } }), ['beach.mp4']);
  // the facets are counted over the same filtered set (no tags here: none)
  assert.deepEqual(repo.facets(opts(o)), []);
});
