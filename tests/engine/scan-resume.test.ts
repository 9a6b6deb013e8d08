// "It keeps working": a teacher scan of the whole library that was stopped resumes where it stopped (force redoes
// all); a scan with no video model fitting the settings says so in its summary and to the CLI; a library model
// that exists but cannot load fails the scan naming the file instead of silently falling back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../main/engine/engine.ts';
import { dataDirFor } from '../../main/core/paths.ts';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

let dir: string, lib: string, dbPath: string;
before(() => {
  dir = tempDir('glimpse-resume-');
  lib = path.join(dir, 'videos');
  for (const [i, src] of ['testsrc2', 'mandelbrot', 'smptebars'].entries())
    makeVideo(path.join(lib, `v${i}.mp4`), { source: `${src}=size=160x120:rate=10`, seconds: 1 });
  dbPath = path.join(dir, 'lib.db');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const small = { k: 2, teacherMinFrames: 3, teacherMaxFrames: 4, decoders: 1 };
const env = { GLIMPSE_CNN_WORKERS: '1' };

/** teacher scan id per video path, read from the database file */
function teacherScans(): Map<string, number> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare(`SELECT v.path, s.id FROM scans s JOIN videos v ON v.id = s.video_id WHERE s.kind = 'teacher'`).all() as {
      path: string;
      id: number;
    }[];
    return new Map(rows.map((r) => [r.path, r.id]));
  } finally {
    db.close();
  }
}

test('a cancelled teacher scan resumes with the videos it had not done; force redoes them all', { timeout: 300_000 }, async () => {
  const engine = new Engine({ dbPath, modelsDir: path.join(dir, 'no-models'), scan: small });
  try {
    const { jobId } = await engine.call('library.addRoot', { path: lib, scan: false });
    assert.equal((await engine.jobs.wait(jobId!)).state, 'done');

    // cancel right after the first video committed
    const first = await engine.call('scan.start', { kind: 'teacher' });
    const onEvent = (e: { type: string }) => {
      if (e.type === 'video') engine.jobs.cancel(first.jobId);
    };
    engine.events.on('event', onEvent);
    const cancelled = await engine.jobs.wait(first.jobId);
    engine.events.off('event', onEvent);
    assert.equal(cancelled.state, 'cancelled');
    const before1 = teacherScans();
    assert.ok(before1.size >= 1 && before1.size < 3, `scanned before the cancel: ${before1.size}`);

    // the next run scans only the rest: the committed scans keep their ids
    const second = await engine.call('scan.start', { kind: 'teacher' });
    const done = await engine.jobs.wait(second.jobId);
    assert.equal(done.state, 'done', done.error ?? '');
    assert.equal(done.total, 3 - before1.size, 'only the videos without a teacher scan');
    const after2 = teacherScans();
    assert.equal(after2.size, 3);
    for (const [p, id] of before1) assert.equal(after2.get(p), id, `${p} was not scanned again`);

    // nothing left: a third run does nothing; force: true redoes every video
    const third = await engine.jobs.wait((await engine.call('scan.start', { kind: 'teacher' })).jobId);
    assert.equal(third.total, 0);
    const forced = await engine.jobs.wait((await engine.call('scan.start', { kind: 'teacher', force: true })).jobId);
    assert.equal(forced.state, 'done');
    assert.equal(forced.total, 3);
    const after4 = teacherScans();
    for (const [p, id] of after2) assert.notEqual(after4.get(p), id, `${p} was scanned again`);

    // no video model fits (empty models folder): the summary says so, and the engine keeps it for the faces
    assert.match(forced.message, /warning: no teacher model fits: tags from the detector alone — run glimpse train/);
    assert.deepEqual(engine.warningsOf(forced.id).length, 1);
  } finally {
    await engine.close();
  }
});

test('CLI: --family with no model warns on stderr and counts it in --json', { timeout: 300_000 }, async () => {
  const r = await runCli(['scan', '--student', '--family', 'hrnn', '--k', '2', '--db', dbPath, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: no student model fits \(family hrnn\): tags from the detector alone — run glimpse train --family hrnn/);
  const out = JSON.parse(r.stdout) as { state: string; message: string; warnings: string[] };
  assert.equal(out.state, 'done');
  assert.equal(out.warnings.length, 1);
  assert.match(out.message, /warning: no student model fits \(family hrnn\)/);

  // the shipped models fit the default family: no warning
  const ok = await runCli(['scan', '--student', '--k', '2', '--db', dbPath, '--json', '1'], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual((JSON.parse(ok.stdout) as { warnings: string[] }).warnings, []);
});

test('a library model that exists but cannot load fails the scan naming the file (no silent fallback)', { timeout: 300_000 }, async () => {
  const student = path.join(dataDirFor(dbPath), 'models', 'student');
  fs.mkdirSync(student, { recursive: true });
  const manifest = path.join(student, 'manifest.json');
  fs.writeFileSync(manifest, '{"format":"glimpse-evidence-mo'); // truncated
  try {
    const r = await runCli(['scan', '--student', '--k', '2', '--db', dbPath, '1'], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(manifest), r.stderr);
    assert.match(r.stdout, /scan failed/);
  } finally {
    fs.rmSync(path.dirname(student), { recursive: true, force: true });
  }
});

/** student scan id per video path in `db` */
function studentScans(db: string): Map<string, number> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare(`SELECT v.path, s.id FROM scans s JOIN videos v ON v.id = s.video_id WHERE s.kind = 'student'`).all() as {
      path: string;
      id: number;
    }[];
    return new Map(rows.map((r) => [r.path, r.id]));
  } finally {
    d.close();
  }
}

test(
  'add warns in its job summary when no video model fits; a stopped student scan resumes, a new k redoes all',
  { timeout: 300_000 },
  async () => {
    const db = path.join(dir, 'student.db');
    const engine = new Engine({ dbPath: db, modelsDir: path.join(dir, 'no-models'), scan: small });
    try {
      // the app's add job (index + student scan): its summary, what the app shows when it ends, keeps the warning
      const { jobId } = await engine.call('library.addRoot', { path: lib, scan: true });
      const added = await engine.jobs.wait(jobId!);
      assert.equal(added.state, 'done', added.error ?? '');
      assert.match(added.message, /^3 files: 3 new.*; warning: no student model fits: tags from the detector alone — run glimpse train$/);
      const first = studentScans(db);
      assert.equal(first.size, 3);

      // same settings: nothing to redo
      const none = await engine.jobs.wait((await engine.call('scan.start', { kind: 'student' })).jobId);
      assert.equal(none.total, 0);

      // another k: every scan is stale; cancel right after the first video committed
      await engine.call('settings.set', { k: 3 });
      const run = await engine.call('scan.start', { kind: 'student' });
      const onEvent = (e: { type: string }) => {
        if (e.type === 'video') engine.jobs.cancel(run.jobId);
      };
      engine.events.on('event', onEvent);
      assert.equal((await engine.jobs.wait(run.jobId)).state, 'cancelled');
      engine.events.off('event', onEvent);
      const mid = studentScans(db);
      const redone = [...mid].filter(([p, id]) => first.get(p) !== id);
      assert.ok(redone.length >= 1 && redone.length < 3, `re-scanned before the cancel: ${redone.length}`);

      // the next run does only the rest: what was redone keeps its scan
      const rest = await engine.jobs.wait((await engine.call('scan.start', { kind: 'student' })).jobId);
      assert.equal(rest.state, 'done', rest.error ?? '');
      assert.equal(rest.total, 3 - redone.length);
      const end = studentScans(db);
      for (const [p, id] of redone) assert.equal(end.get(p), id, `${p} was not scanned again`);
      for (const [p, id] of first) assert.notEqual(end.get(p), id, `${p} has a k=3 scan`);
      const d = await engine.call('library.videos', { limit: 10 });
      for (const v of d.videos) {
        const s = (await engine.call('library.video', { id: v.id })).scans.find((x) => x.kind === 'student')!;
        assert.match(s.model, /^uniform-3\+maxpool$/);
      }
    } finally {
      await engine.close();
    }
  },
);
