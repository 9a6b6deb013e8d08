// The model side of the engine on real lavfi videos, real CNNs and a real SQLite file: human labels from a CSV,
// "teach the student on my library" as a job (teacher-scans first, trains in a worker thread), and scans that then
// use the refitted models. Teacher frames are capped low here so the test stays short.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { makeLibrary, makeVideo, tempDir } from '../helpers/fixtures.ts';

let dir: string, engine: Engine, lib: ReturnType<typeof makeLibrary>;
before(async () => {
  dir = tempDir('glimpse-models-');
  lib = makeLibrary(path.join(dir, 'videos'));
  makeVideo(path.join(lib.dir, 'more', 'fractal.mp4'), { source: 'mandelbrot=size=320x240:rate=10', seconds: 2 });
  makeVideo(path.join(lib.dir, 'more', 'bars.mp4'), { source: 'smptebars=size=320x240:rate=10', seconds: 2 });
  // An empty shipped-models folder: the library starts with no video model at all.
  engine = new Engine({
    dbPath: path.join(dir, 'lib.db'),
    modelsDir: path.join(dir, 'no-models'),
    scan: { k: 2, teacherMinFrames: 6, teacherMaxFrames: 8 },
  });
  const { jobId } = await engine.call('library.addRoot', { path: lib.dir, scan: true });
  const job = await engine.jobs.wait(jobId!);
  assert.equal(job.state, 'done', job.error ?? '');
});
after(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('without a video model, models.info says so and scans fall back to the detector', async () => {
  const info = await engine.call('models.info', {});
  assert.equal(info.student, null);
  assert.match(info.problems.join('\n'), /no student model/);
  const v = (await engine.call('library.search', { q: 'pattern', limit: 10 })).videos[0];
  const d = await engine.call('library.video', { id: v.id });
  assert.match(d.scans[0].model, /maxpool/);
});

test('labels import matches rows by path, then by unique file name, and reports the rest', async () => {
  const csv = path.join(dir, 'labels.csv');
  fs.writeFileSync(
    csv,
    [
      'file,tags,description',
      `${path.join(lib.dir, 'person.mp4')},person;tv,"a person, on a tv"`,
      'elsewhere/fractal.mp4,kite,matched by name',
      'not-in-library.mp4,dog,',
      `${path.join(lib.dir, 'pattern one.mp4')},unicorn,`,
    ].join('\n'),
  );
  const r = await engine.call('labels.import', { csvPath: csv });
  assert.equal(r.matched, 3, 'person.mp4 by path, fractal.mp4 by name, pattern one.mp4 by path');
  assert.deepEqual(
    r.unmatched.map((u) => path.basename(u)),
    ['not-in-library.mp4'],
  );
  assert.deepEqual(r.unknownTags, ['unicorn']);
  const kite = await engine.call('library.search', { q: 'kite', limit: 10 });
  assert.deepEqual(
    kite.videos.map((v) => v.name),
    ['fractal.mp4'],
  );
  await assert.rejects(engine.call('labels.import', { csvPath: path.join(dir, 'nope.csv') }), /labels file not found/);
});

test('training teacher-scans what lacks it, refits both models in a worker, and scans then use them', async () => {
  const seen: string[] = [];
  engine.events.on('event', (e) => {
    if (e.type === 'job' && e.job.kind === 'train') seen.push(e.job.message);
  });
  const { jobId } = await engine.call('train.start', { family: 'netvlad', epochs: 3 });
  const job = await engine.jobs.wait(jobId);
  assert.equal(job.state, 'done', job.error ?? '');
  assert.ok(
    seen.some((m) => /teacher scan/.test(m)),
    'the teacher scan ran first',
  );
  assert.ok(
    seen.some((m) => /student epoch/.test(m)),
    'training reported epochs',
  );

  const info = await engine.call('models.info', {});
  assert.equal(info.teacher?.origin, 'library');
  assert.equal(info.student?.family, 'netvlad');
  assert.equal(info.student?.k, 2);
  assert.ok(info.student!.flopsPerVideo > 0);
  const t = info.lastTraining!;
  assert.equal(t.jobId, jobId);
  assert.ok(t.labelSources.human >= 2 && t.labelSources.teacher >= 1, JSON.stringify(t.labelSources));
  assert.ok(t.after && t.after.gap >= 0 && t.after.gap <= 1);

  const { jobId: scan } = await engine.call('scan.start', { kind: 'student' });
  assert.equal((await engine.jobs.wait(scan)).state, 'done');
  const v = (await engine.call('library.search', { q: 'fractal', limit: 10 })).videos[0];
  const d = await engine.call('library.video', { id: v.id });
  const student = d.scans.find((s) => s.kind === 'student')!;
  assert.match(student.model, /student:netvlad@2/);
});

test('a family without a model is reported, not silently replaced', async () => {
  await engine.call('settings.set', { family: 'hrnn' });
  const info = await engine.call('models.info', {});
  // the library's refitted models are netvlad: an hrnn request finds none
  assert.equal(info.student, null);
  assert.match(info.problems.join('\n'), /family hrnn/);
  await engine.call('settings.set', { family: null });
  assert.equal((await engine.call('models.info', {})).student?.family, 'netvlad');
});
