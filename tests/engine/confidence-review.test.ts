// What a tag's confidence means and what a person decides: the shown confidence is the model's probability (its
// stored score with the model's shift undone) with the line it had to pass; a person's tags are "yours", never a
// confidence (confidence sort, "Needs attention"); removed tags are listed and restorable; the review queue lists
// doubtful and frame-less predictions, and a decision there is a human label (training reads it) that undo reverts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { COCO80 } from '../../shared/coco.ts';
import { probabilityOf } from '../../shared/tags.ts';
import { Engine } from '../../main/engine/engine.ts';
import { blobFromF32 } from '../../main/store/blob.ts';
import { BrowseRepo } from '../../main/store/browse-repo.ts';
import { openDb } from '../../main/store/db.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

const dir = tempDir();
const db = path.join(dir, 'lib.db');
let e: Engine;
let ids: Record<string, number>;

/** A student scan with frames (time, per-class scores) and the probability line its scores were shifted by. */
function scan(videoId: number, kind: 'student' | 'teacher', line: number | null, frames: [number, Record<string, number>][]) {
  const d = new Database(db);
  const id = Number(
    d
      .prepare(
        `INSERT INTO scans(video_id, kind, model, frame_count, seconds, decode_seconds, cnn_seconds, pipeline, tag_threshold)
      VALUES (?, ?, 'test', ?, 1, 0.5, 0.5, 'lb512-v2', ?)`,
      )
      .run(videoId, kind, frames.length, line).lastInsertRowid,
  );
  frames.forEach(([t, scores], i) => {
    const cs = new Float32Array(COCO80.length);
    for (const [tag, s] of Object.entries(scores)) cs[COCO80.indexOf(tag as (typeof COCO80)[number])] = s;
    d.prepare('INSERT INTO frames(scan_id, idx, time_s, embedding, class_scores) VALUES (?, ?, ?, ?, ?)').run(
      id,
      i,
      t,
      blobFromF32(new Float32Array(0)),
      blobFromF32(cs),
    );
  });
  d.close();
}

before(async () => {
  const root = path.join(dir, 'videos');
  fs.mkdirSync(root, { recursive: true });
  e = new Engine({ dbPath: db });
  await e.call('library.addRoot', { path: root, scan: false });
  await e.close();
  const r = fs.realpathSync(root);
  const [sure, doubtful, mine, hidden] = seed(db, r, [
    // person 0.8 (sure), seen on two frames; dog 0.55 (below the low line) on no frame that shows it clearly
    {
      path: `${r}/sure.mp4`,
      tags: [
        ['person', 0.8],
        ['dog', 0.55],
      ],
    },
    { path: `${r}/doubtful.mp4`, tags: [['cat', 0.52]] },
    // only a person's tag: no model confidence at all
    { path: `${r}/mine.mp4`, tags: [['birthday', 1, 'human']] },
    // the teacher also saw a car, where the student did not look
    { path: `${r}/teacher.mp4`, tags: [['car', 0.9, 'teacher']] },
  ]);
  ids = { sure, doubtful, mine, hidden };
  scan(sure, 'student', 0.65, [
    [0.5, { person: 0.9 }],
    [1.5, { person: 0.7, dog: 0.3 }],
  ]);
  scan(doubtful, 'student', 0.65, [[1, { cat: 0.6 }]]);
  scan(hidden, 'student', 0.65, [[1, {}]]);
  scan(hidden, 'teacher', 0.63, [
    [0, {}],
    [2, { car: 0.95 }],
    [3, { car: 0.7 }],
  ]);
  e = new Engine({ dbPath: db });
});
after(async () => {
  await e?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the shown confidence is the model probability with its threshold; a person’s tag has none', async () => {
  const v = await e.call('library.video', { id: ids.sure });
  const person = v.tags.find((t) => t.tag === 'person')!;
  assert.equal(person.threshold, 0.65);
  // a stored 0.5 sits exactly on the line, i.e. the model's probability 0.65; 0.8 is well above it
  assert.ok(Math.abs(probabilityOf(0.5, 0.65) - 0.65) < 1e-9);
  assert.ok(Math.abs(person.probability! - probabilityOf(0.8, 0.65)) < 1e-9);
  assert.ok(person.probability! > 0.8, `${person.probability}`);
  const mine = await e.call('library.video', { id: ids.mine });
  assert.deepEqual(
    mine.tags.map((t) => [t.tag, t.source, t.probability, t.threshold]),
    [['birthday', 'human', null, null]],
  );
  // the search results (cards) carry the same per-tag numbers as the page
  const card = (await e.call('library.search', { q: 'name:sure' })).videos[0];
  assert.equal(card.tags.find((t) => t.tag === 'person')!.probability, person.probability);
});

test('a person’s tags are not confidences: confidence sort and “Needs attention” ignore them', async () => {
  const byConf = (await e.call('library.search', { sort: 'confidence', dir: 'desc' })).videos.map((v) => [v.name, v.confidence]);
  // "mine" (a human tag, score 1) used to lead as 100%; now it has no confidence and sorts after every prediction
  assert.deepEqual(
    byConf.map(([n]) => n),
    ['teacher.mp4', 'sure.mp4', 'doubtful.mp4', 'mine.mp4'],
  );
  assert.equal(byConf[3][1], null);
  const sure = await e.call('library.video', { id: ids.sure });
  assert.equal(byConf[1][1], Math.max(...sure.tags.map((t) => t.probability ?? 0)), 'the card shows the best tag’s own number');
  const attention = (await e.call('library.search', { attention: true })).videos.map((v) => v.name).sort();
  // doubtful: its best prediction is below the low line; mine: a person decided, nothing to look at
  assert.deepEqual(attention, ['doubtful.mp4']);
  // a person saying yes to a doubtful prediction does not hide the others: confidence stays the model's
  await e.call('tags.edit', { videoIds: [ids.doubtful], add: ['beach'] });
  assert.deepEqual(
    (await e.call('library.search', { attention: true })).videos.map((v) => v.name),
    ['doubtful.mp4'],
  );
  await e.call('tags.undo', {});
});

test('tag moments: frames of both scans that support a tag, and none for a tag no frame shows', async () => {
  const v = await e.call('library.video', { id: ids.sure });
  assert.deepEqual(
    v.moments.person.map((m) => [m.timeS, m.kind]),
    [
      [0.5, 'student'],
      [1.5, 'student'],
    ],
  );
  assert.deepEqual(v.moments.dog, []); // 0.3 is below the tag line: "no single frame shows it clearly"
  const t = await e.call('library.video', { id: ids.hidden });
  assert.deepEqual(
    t.moments.car.map((m) => [m.timeS, m.kind, m.score]),
    [
      [2, 'teacher', 0.95],
      [3, 'teacher', 0.7],
    ],
  );
});

test('removed tags are listed and restorable; restore is undoable', async () => {
  await e.call('tags.edit', { videoIds: [ids.sure], remove: ['person'] });
  let v = await e.call('library.video', { id: ids.sure });
  assert.deepEqual(v.removed, ['person']);
  assert.ok(!v.tags.some((t) => t.tag === 'person'));
  assert.deepEqual(v.moments.person.length, 2, 'a removed tag keeps its moments (to check it before restoring)');
  await e.call('tags.edit', { videoIds: [ids.sure], restore: ['person'] });
  v = await e.call('library.video', { id: ids.sure });
  assert.deepEqual(v.removed, []);
  assert.equal(v.tags.find((t) => t.tag === 'person')!.source, 'student', 'the prediction counts again, not a made-up "yours"');
  await e.call('tags.undo', {});
  assert.deepEqual((await e.call('library.video', { id: ids.sure })).removed, ['person']);
  await e.call('tags.edit', { videoIds: [ids.sure], restore: ['person'] });

  // a person's own tag, removed, comes back as theirs
  await e.call('tags.edit', { videoIds: [ids.mine], remove: ['birthday'] });
  assert.deepEqual((await e.call('library.video', { id: ids.mine })).removed, ['birthday']);
  await e.call('tags.edit', { videoIds: [ids.mine], restore: ['birthday'] });
  const mine = await e.call('library.video', { id: ids.mine });
  assert.deepEqual(
    mine.tags.map((t) => [t.tag, t.source]),
    [['birthday', 'human']],
  );
});

test('review queue: doubtful and frame-less predictions; a decision is a human label, undo brings it back', async () => {
  const q = await e.call('review.queue', {});
  const key = (i: { name: string; tag: { tag: string } }) => `${i.name}:${i.tag.tag}`;
  assert.deepEqual(q.items.map(key), ['doubtful.mp4:cat', 'sure.mp4:dog']);
  assert.deepEqual(q.items[0].reasons, ['low']);
  assert.equal(q.items[0].best!.timeS, 1);
  assert.deepEqual(q.items[1].reasons, ['low', 'no-frame']);
  assert.equal(q.items[1].best, null);
  assert.ok(!q.items.some((i) => i.tag.tag === 'car'), 'a sure tag a frame shows is not in the queue');

  // confirm cat (the detail page's own path), reject dog
  await e.call('tags.edit', { videoIds: [ids.doubtful], add: ['cat'] });
  await e.call('tags.edit', { videoIds: [ids.sure], remove: ['dog'] });
  assert.equal((await e.call('review.queue', {})).total, 0);
  const labels = new BrowseRepo(openDb(db))
    .humanTagRows()
    .filter((r) => r.tag === 'cat' || r.tag === 'dog')
    .map((r) => [r.tag, r.score]);
  assert.deepEqual(labels, [
    ['dog', 0],
    ['cat', 1],
  ]);
  await e.call('tags.undo', {});
  assert.deepEqual((await e.call('review.queue', {})).items.map(key), ['sure.mp4:dog']);
});
