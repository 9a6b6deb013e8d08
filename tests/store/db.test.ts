import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { arrayBufferOf, blobFromF32, f32FromBlob } from '../../main/store/blob.ts';
import { BrowseRepo } from '../../main/store/browse-repo.ts';
import { migrate, openDb, schemaVersion } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { migrations } from '../../main/store/migrations.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a new database gets every migration, WAL and foreign keys', () => {
  const db = openDb(path.join(dir, 'a.db'));
  assert.equal(schemaVersion(db), Math.max(...migrations.map((m) => m.version)));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
});

test('reopening runs no migration twice and keeps the data', () => {
  const file = path.join(dir, 'b.db');
  const ran: number[] = [];
  const counted = migrations.map((m) => ({
    ...m,
    up: (db: Parameters<typeof m.up>[0]) => {
      ran.push(m.version);
      m.up(db);
    },
  }));
  const first = openDb(file, counted);
  assert.deepEqual(
    ran,
    migrations.map((m) => m.version),
    'a new file gets each migration once, in order',
  );
  new LibraryRepo(first).addRoot('/videos');
  first.close();
  ran.length = 0;
  const db = openDb(file, counted);
  assert.deepEqual(ran, [], 'nothing re-runs on reopen');
  assert.deepEqual(
    new LibraryRepo(db).roots().map((r) => r.path),
    ['/videos'],
  );
  assert.equal(migrate(db, counted), Math.max(...migrations.map((m) => m.version)));
  assert.deepEqual(ran, [], 'nor on an explicit migrate of an up-to-date database');
  db.close();
});

test('a database from a newer Glimpse is refused, not damaged', () => {
  const file = path.join(dir, 'c.db');
  const db = openDb(file);
  db.pragma('user_version = 999');
  db.close();
  assert.throws(() => openDb(file), /newer than this Glimpse/);
});

test('a scan, its frames and tags land in one transaction; a failure leaves nothing behind', () => {
  const db = openDb(path.join(dir, 'd.db'));
  const lib = new LibraryRepo(db);
  const scans = new ScansRepo(db);
  const root = lib.addRoot('/videos');
  lib.upsertFiles(root.id, [{ path: '/videos/a.mp4', name: 'a.mp4', sizeBytes: 10, mtimeMs: 1 }]);
  const video = lib.pendingVideos()[0];
  const frame = { timeS: 0.5, embedding: new Float32Array([1, 2, 3]), classScores: new Float32Array([0.9, 0.1]) };
  assert.throws(() =>
    scans.saveScan(
      {
        videoId: video.id,
        kind: 'student',
        model: 'm',
        seconds: 1,
        decodeSeconds: 0.5,
        cnnSeconds: 0.5,
        frames: [frame],
        tags: [{ tag: 'person', score: 0.9 }],
      },
      () => {
        throw new Error('killed');
      },
    ),
  );
  assert.equal(scans.scansOf(video.id).length, 0);
  assert.equal(scans.tagsOf([video.id]).get(video.id)?.length, 0);

  const id = scans.saveScan(
    {
      videoId: video.id,
      kind: 'student',
      model: 'm',
      seconds: 1,
      decodeSeconds: 0.5,
      cnnSeconds: 0.5,
      frames: [frame],
      tags: [{ tag: 'person', score: 0.9 }],
      tagThreshold: 0.65,
    },
    () => lib.setOk(video.id, null),
  );
  const frames = scans.frames(id);
  assert.deepEqual([...frames[0].embedding], [1, 2, 3]);
  assert.ok(Math.abs(frames[0].class_scores[0] - 0.9) < 1e-6);
  assert.equal(lib.video(video.id)?.status, 'ok');
  // each tag comes with the probability line of the scan that made it (what the app turns back into a probability)
  assert.deepEqual(scans.tagsOf([video.id]).get(video.id), [{ tag: 'person', score: 0.9, source: 'student', line: 0.65 }]);
  // what Compare reads back: [embedding | class scores] per frame, and the class scores alone
  assert.deepEqual(
    new BrowseRepo(db).frameVectors(id).map((v) => Array.from(v)),
    [[1, 2, 3, Math.fround(0.9), Math.fround(0.1)]],
  );
  assert.deepEqual(
    new BrowseRepo(db).frameScores(id).map((v) => Array.from(v)),
    [[Math.fround(0.9), Math.fround(0.1)]],
  );
  db.close();
});

test('float32 BLOBs: a round trip through bytes at any offset gives the same floats in memory of their own', () => {
  const floats = new Float32Array([1.5, -2, 0.1]);
  const bytes = Buffer.alloc(1 + 12);
  blobFromF32(floats).copy(bytes, 1); // byte offset 1: a Float32Array view of it would throw
  const back = f32FromBlob(bytes.subarray(1));
  assert.deepEqual(Array.from(back), Array.from(floats));
  assert.equal(back.buffer.byteLength, 12, 'only the bytes of this BLOB are kept');
  assert.deepEqual([...new Uint8Array(arrayBufferOf(bytes.subarray(1, 5)))], [...bytes.subarray(1, 5)]);
});
