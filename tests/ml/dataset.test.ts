import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { groupOf, loadScanFeatures, multiHot, parseCsv, readLabelsCsv, sourceGroup } from '../../main/ml/dataset.ts';
import { FRAME_PIPELINE } from '../../main/ml/frame-cnn.ts';
import { openDb } from '../../main/store/db.ts';
import { LibraryRepo } from '../../main/store/library-repo.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';
import { tempDir } from '../helpers/fixtures.ts';

test('CSV parsing handles quotes, commas and newlines inside fields', () => {
  assert.deepEqual(parseCsv('a,b\n"x, y","say ""hi""\nthere"\n'), [
    ['a', 'b'],
    ['x, y', 'say "hi"\nthere'],
  ]);
});

test('labels CSV resolves files next to it and reports unknown tags', () => {
  const dir = tempDir();
  const csv = path.join(dir, 'labels.csv');
  fs.writeFileSync(csv, 'file,status,tags\nclips/a.mp4,original,person;dog\nclips/b.mp4,variant,unicorn\n');
  const { labels, unknownTags } = readLabelsCsv(csv);
  assert.deepEqual(labels.get(path.join(dir, 'clips/a.mp4'))?.tags, ['person', 'dog']);
  assert.deepEqual(unknownTags, ['unicorn']);
  fs.rmSync(dir, { recursive: true });
});

test('multi-hot follows COCO order', () => {
  const y = multiHot(['dog', 'person']);
  assert.equal(y[0], 1);
  assert.equal(y[16], 1);
  assert.equal(
    y.reduce((a, b) => a + b),
    2,
  );
});

test('without a known source, numbered copies and re-encodes in one folder share a split group', () => {
  assert.equal(groupOf('/v/trip 1.mp4'), groupOf('/v/trip 2.mov'));
  assert.equal(groupOf('/v/trip (3).mp4'), groupOf('/v/Trip-720p.webm'));
  assert.equal(groupOf('/v/trip copy.mp4'), groupOf('/v/trip.mp4'));
  assert.notEqual(groupOf('/v/trip.mp4'), groupOf('/other/trip.mp4'), 'another folder is another group');
  assert.notEqual(groupOf('/v/dog.mp4'), groupOf('/v/cat.mp4'));
  assert.equal(groupOf('/v/2024.mp4'), '/v/2024', 'a name that is only a number keeps it');
});

test('a labelled clip is grouped by its source repository, whatever its file name', () => {
  const g = (file: string, source: string) => sourceGroup({ file, source });
  assert.equal(
    g('/d/a/asl_gestures_bird.mkv', 'intel-iot-devkit/sample-videos:asl_bird.mkv'),
    g('/d/b/totally-different.gif', 'Intel-IoT-Devkit/sample-videos:x.gif'),
  );
  assert.notEqual(g('/d/a/x.mp4', 'a/b:x.mp4'), g('/d/a/x.mp4', 'c/d:x.mp4'));
  assert.equal(g('/v/trip 1.mp4', ''), groupOf('/v/trip 1.mp4'), 'no source: the file-name grouping');
});

test('scan features come back as [embedding | scores] per frame in time order', () => {
  const dir = tempDir();
  const db = openDb(path.join(dir, 'x.db'));
  const lib = new LibraryRepo(db);
  const root = lib.addRoot('/v');
  lib.upsertFiles(root.id, [{ path: '/v/a.mp4', name: 'a.mp4', sizeBytes: 1, mtimeMs: 1 }]);
  const v = lib.pendingVideos()[0];
  new ScansRepo(db).saveScan(
    {
      videoId: v.id,
      kind: 'teacher',
      model: 't',
      pipeline: FRAME_PIPELINE,
      seconds: 1,
      decodeSeconds: 0,
      cnnSeconds: 0,
      tags: [],
      frames: [0, 1].map((t) => ({ timeS: t, embedding: new Float32Array([t, t]), classScores: new Float32Array([9]) })),
    },
    () => lib.setOk(v.id, null),
  );
  const [f] = loadScanFeatures(db);
  assert.deepEqual(f.times, [0, 1]);
  assert.deepEqual([...f.frames[1]], [1, 1, 9]);
  db.close();
  fs.rmSync(dir, { recursive: true });
});
