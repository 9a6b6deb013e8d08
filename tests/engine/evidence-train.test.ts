// "Teach the student on my library" with the shipped evidence models, on real lavfi videos, real CNNs and a real
// SQLite file: the teacher scans run first, the student is distilled from the teacher in a worker thread, the
// user's own tags count as labels, and scans then use the refitted student. Teacher frames are capped low here so
// the test stays short.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../main/engine/engine.ts';
import { makeLibrary, makeVideo, tempDir } from '../helpers/fixtures.ts';

let dir: string, engine: Engine, lib: ReturnType<typeof makeLibrary>;
before(async () => {
  dir = tempDir('glimpse-evidence-train-');
  lib = makeLibrary(path.join(dir, 'videos'));
  makeVideo(path.join(lib.dir, 'more', 'fractal.mp4'), { source: 'mandelbrot=size=320x240:rate=10', seconds: 2 });
  makeVideo(path.join(lib.dir, 'more', 'bars.mp4'), { source: 'smptebars=size=320x240:rate=10', seconds: 2 });
  engine = new Engine({ dbPath: path.join(dir, 'lib.db'), scan: { k: 2, teacherMinFrames: 6, teacherMaxFrames: 8 } });
  const { jobId } = await engine.call('library.addRoot', { path: lib.dir, scan: true });
  assert.equal((await engine.jobs.wait(jobId!)).state, 'done');
});
after(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the shipped evidence student tags the real person, and nothing on synthetic patterns', async () => {
  const info = await engine.call('models.info', {});
  assert.equal(info.student?.family, 'evidence');
  assert.equal(info.student?.origin, 'default');
  const person = (await engine.call('library.search', { q: 'person.mp4' })).videos;
  assert.equal(person.length, 1, 'the fixture library has the person clip (its photo ships in @vladmandic/human)');
  assert.ok(
    person[0].tags.some((t) => t.tag === 'person' && t.score >= 0.5),
    JSON.stringify(person[0].tags),
  );
  for (const name of ['fractal.mp4', 'bars.mp4']) {
    const [v] = (await engine.call('library.search', { q: name })).videos;
    assert.deepEqual(
      v.tags.filter((t) => t.score >= 0.5),
      [],
      `${name} shows no COCO object`,
    );
    const d = await engine.call('library.video', { id: v.id });
    // k = 2 frames looked at (the setting), by the shipped student trained at k = 10 (its name says so)
    assert.match(d.scans[0].model, /^uniform-2\+student:evidence@10$/);
  }
});

test("training distils the student from the teacher on the library, with the user's tags as labels", async () => {
  const [fractal] = (await engine.call('library.search', { q: 'fractal.mp4' })).videos;
  await engine.call('tags.edit', { videoIds: [fractal.id], add: ['kite'] });
  const seen: string[] = [];
  engine.events.on('event', (e) => {
    if (e.type === 'job' && e.job.kind === 'train') seen.push(e.job.message);
  });
  const { jobId } = await engine.call('train.start', {});
  const job = await engine.jobs.wait(jobId);
  assert.equal(job.state, 'done', job.error ?? '');
  assert.ok(
    seen.some((m) => /teacher scan/.test(m)),
    'the teacher scan ran first',
  );
  assert.ok(
    seen.some((m) => /distilling the student/.test(m)),
    JSON.stringify(seen),
  );

  const info = await engine.call('models.info', {});
  assert.equal(info.student?.origin, 'library');
  assert.equal(info.student?.family, 'evidence');
  assert.equal(info.student?.k, 2);
  const t = info.lastTraining!;
  assert.equal(t.family, 'evidence');
  assert.equal(t.labelSources.human, 1, 'one video carries a tag a person gave');
  assert.equal(t.videos, t.labelSources.human + t.labelSources.teacher);
  assert.ok(t.after && t.after.gap >= 0 && t.after.gap <= 1);

  const { jobId: scan } = await engine.call('scan.start', { kind: 'student' });
  assert.equal((await engine.jobs.wait(scan)).state, 'done');
  const d = await engine.call('library.video', { id: fractal.id });
  assert.match(d.scans.find((s) => s.kind === 'student')!.model, /student:evidence@2/);
  // the refitted student still cannot invent a kite no frame shows: the person's tag stays, the model adds none
  assert.deepEqual(
    d.tags.filter((x) => x.score >= 0.5).map((x) => x.tag),
    ['kite'],
  );
});
