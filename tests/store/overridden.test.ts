import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { BrowseRepo, HUMAN_NO, HUMAN_YES } from '../../main/store/browse-repo.ts';
import { openDb, type Db } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { migrations } from '../../main/store/migrations.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Predictions whose `overridden` disagrees with "a human row exists for the same video and tag". */
function wrongFlags(db: Db): unknown[] {
  return db
    .prepare(
      `SELECT video_id, tag, source, overridden FROM tags t WHERE overridden != (source != 'human' AND EXISTS (
    SELECT 1 FROM tags h WHERE h.video_id = t.video_id AND h.tag = t.tag AND h.source = 'human'))`,
    )
    .all();
}

function flags(db: Db, videoId: number): Record<string, number> {
  const rows = db.prepare('SELECT tag, source, overridden FROM tags WHERE video_id = ? ORDER BY tag, source').all(videoId) as {
    tag: string;
    source: string;
    overridden: number;
  }[];
  return Object.fromEntries(rows.map((r) => [`${r.tag}/${r.source}`, r.overridden]));
}

function library(db: Db, names: string[]): number[] {
  const lib = new LibraryRepo(db);
  const root = lib.addRoot('/videos');
  lib.upsertFiles(
    root.id,
    names.map((n, i) => ({ path: `/videos/${n}`, name: n, sizeBytes: 10, mtimeMs: i + 1 })),
  );
  return lib
    .pendingVideos()
    .map((v) => v.id)
    .sort((a, b) => a - b);
}

const scan = (videoId: number, kind: 'student' | 'teacher', tags: { tag: string; score: number }[]) => ({
  videoId,
  kind,
  model: 'm',
  seconds: 1,
  decodeSeconds: 0.5,
  cnnSeconds: 0.5,
  frames: [],
  tags,
});

test('human yes/no edits and their undo keep tags.overridden in step with the human rows', () => {
  const db = openDb(path.join(dir, 'edits.db'));
  const [a, b] = library(db, ['a.mp4', 'b.mp4']);
  const scans = new ScansRepo(db);
  const browse = new BrowseRepo(db);
  scans.saveScan(
    scan(a, 'student', [
      { tag: 'person', score: 0.9 },
      { tag: 'dog', score: 0.8 },
    ]),
  );
  scans.saveScan(scan(a, 'teacher', [{ tag: 'person', score: 0.7 }]));
  scans.saveScan(scan(b, 'student', [{ tag: 'person', score: 0.9 }]));
  assert.deepEqual(flags(db, a), { 'dog/student': 0, 'person/student': 0, 'person/teacher': 0 });

  // "No, no person in a": both predictions of person on a are overridden; b and dog are untouched.
  browse.setHuman([{ videoId: a, tag: 'person', score: HUMAN_NO }]);
  assert.deepEqual(flags(db, a), { 'dog/student': 0, 'person/human': 0, 'person/student': 1, 'person/teacher': 1 });
  assert.deepEqual(flags(db, b), { 'person/student': 0 });
  assert.deepEqual(browse.videosWithTag('person', 0.4), [b]);

  // Flipping to yes updates the human row in place; the predictions stay overridden.
  browse.setHuman([{ videoId: a, tag: 'person', score: HUMAN_YES }]);
  assert.deepEqual(flags(db, a), { 'dog/student': 0, 'person/human': 0, 'person/student': 1, 'person/teacher': 1 });
  assert.deepEqual(browse.videosWithTag('person', 0.4).sort(), [a, b]);

  // A rescan while the human row stands: the new predictions arrive already overridden.
  scans.saveScan(
    scan(a, 'student', [
      { tag: 'person', score: 0.2 },
      { tag: 'dog', score: 0.8 },
    ]),
  );
  assert.deepEqual(flags(db, a), { 'dog/student': 0, 'person/human': 0, 'person/student': 1, 'person/teacher': 1 });

  // Undo (the human row is deleted): predictions count again.
  browse.setHuman([{ videoId: a, tag: 'person', score: null }]);
  assert.deepEqual(flags(db, a), { 'dog/student': 0, 'person/student': 0, 'person/teacher': 0 });
  assert.deepEqual(browse.videosWithTag('person', 0.4).sort(), [a, b]); // the teacher's 0.7 still says yes

  // A human label for a tag nobody predicted overrides nothing; deleting the video takes all its rows.
  browse.setHuman([
    { videoId: b, tag: 'cat', score: HUMAN_YES },
    { videoId: a, tag: 'dog', score: HUMAN_NO },
  ]);
  assert.deepEqual(flags(db, b), { 'cat/human': 0, 'person/student': 0 });
  assert.equal(flags(db, a)['dog/student'], 1);
  db.prepare('DELETE FROM videos WHERE id = ?').run(a);
  assert.deepEqual(flags(db, a), {});
  assert.deepEqual(wrongFlags(db), []);
  db.close();
});

test('tags are matched exactly (case-sensitive), as the old NOT EXISTS did', () => {
  const db = openDb(path.join(dir, 'case.db'));
  const [a] = library(db, ['a.mp4']);
  new ScansRepo(db).saveScan(scan(a, 'student', [{ tag: 'person', score: 0.9 }]));
  new BrowseRepo(db).setHuman([{ videoId: a, tag: 'Person', score: HUMAN_NO }]);
  assert.deepEqual(flags(db, a), { 'Person/human': 0, 'person/student': 0 });
  assert.deepEqual(wrongFlags(db), []);
  db.close();
});

test('migration 5 backfills overridden for human rows already in the database', () => {
  const file = path.join(dir, 'old.db');
  const v4 = openDb(
    file,
    migrations.filter((m) => m.version <= 4),
  );
  const [a, b] = library(v4, ['a.mp4', 'b.mp4']);
  const put = v4.prepare('INSERT INTO tags(video_id, tag, source, score) VALUES (?, ?, ?, ?)');
  put.run(a, 'person', 'student', 0.9);
  put.run(a, 'person', 'teacher', 0.8);
  put.run(a, 'person', 'human', HUMAN_NO);
  put.run(a, 'dog', 'student', 0.6);
  put.run(b, 'person', 'student', 0.9);
  put.run(b, 'dog', 'human', HUMAN_YES);
  v4.close();
  const db = openDb(file);
  assert.deepEqual(flags(db, a), { 'dog/student': 0, 'person/human': 0, 'person/student': 1, 'person/teacher': 1 });
  assert.deepEqual(flags(db, b), { 'dog/human': 0, 'person/student': 0 });
  assert.deepEqual(wrongFlags(db), []);
  db.close();
});
