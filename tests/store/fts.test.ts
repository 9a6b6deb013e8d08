// Schema: numbered migrations without gaps, and the FTS5 index over paths and tags kept in step by triggers with
// every writer (indexer, scans, human edits, moves, prunes).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDb } from '../../main/store/db.ts';
import { IndexRepo } from '../../main/store/index-repo.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { migrations } from '../../main/store/migrations.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('migrations are numbered 1..n without gaps or duplicates, each named', () => {
  const v = migrations.map((m) => m.version);
  assert.deepEqual(
    v,
    v.map((_, i) => i + 1),
  );
  assert.ok(migrations.every((m) => m.name.length > 3));
});

test('full-text search follows inserts, tag changes, moves and deletes', () => {
  const db = openDb(path.join(dir, 'fts.db'));
  const library = new LibraryRepo(db);
  const repo = new IndexRepo(db);
  const scans = new ScansRepo(db);
  const match = (q: string) =>
    db.prepare('SELECT rowid FROM video_search WHERE video_search MATCH ? ORDER BY rowid').pluck().all(q) as number[];
  const root = library.addRoot('/v');
  const a = repo.insert({
    rootId: root.id,
    path: '/v/Holiday Beach/sünset.mp4',
    name: 'sünset.mp4',
    sizeBytes: 1,
    mtimeMs: 1,
    fingerprint: 'f1',
  });
  const b = repo.insert({ rootId: root.id, path: '/v/work/meeting.mp4', name: 'meeting.mp4', sizeBytes: 2, mtimeMs: 1, fingerprint: 'f2' });
  assert.deepEqual(match('beach'), [a]);
  assert.deepEqual(match('sunset'), [a], 'diacritics folded');
  scans.saveScan({
    videoId: b,
    kind: 'student',
    model: 'm',
    seconds: 1,
    decodeSeconds: 0,
    cnnSeconds: 0,
    frames: [],
    tags: [
      { tag: 'person', score: 0.9 },
      { tag: 'dog', score: 0.1 },
    ],
  });
  assert.deepEqual(match('tags:person'), [b]);
  assert.deepEqual(match('tags:dog'), [], 'a low score is not a search word');
  db.prepare(`INSERT INTO tags(video_id, tag, source, score) VALUES (?, 'dog', 'human', 1)`).run(a);
  assert.deepEqual(match('tags:dog'), [a]);
  repo.relocate(a, { rootId: root.id, path: '/v/moved/renamed.mp4', name: 'renamed.mp4', sizeBytes: 1, mtimeMs: 2, fingerprint: 'f1' });
  assert.deepEqual(match('beach'), []);
  assert.deepEqual(match('renamed'), [a]);
  assert.deepEqual(match('tags:dog'), [a], 'tags survive the move');
  db.prepare(`DELETE FROM tags WHERE video_id = ? AND source = 'human'`).run(a);
  assert.deepEqual(match('tags:dog'), []);
  repo.markMissing([b]);
  repo.pruneMissing();
  assert.deepEqual(match('meeting'), []);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM video_search').get() as { n: number }).n, 1);
  db.close();
});
