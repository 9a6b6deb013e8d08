// The thin slice through the real CLI: lavfi videos → add → search/tags, against a real SQLite file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeLibrary, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir();
const db = path.join(dir, 'lib.db');
let lib: ReturnType<typeof makeLibrary>;

before(() => {
  lib = makeLibrary(path.join(dir, 'videos'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('add indexes every video, tags them, and records the broken file without stopping', async () => {
  const r = await runCli(['add', lib.dir, '--db', db, '--k', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.videos, lib.videos.length + 1);
  assert.equal(out.tagged, lib.videos.length);
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0].path, lib.broken);
  assert.match(out.errors[0].error, /not a readable video/);
});

test('search finds the clip with a person, and only it', async () => {
  const r = await runCli(['search', 'person', '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { videos } = JSON.parse(r.stdout);
  assert.deepEqual(
    videos.map((v: { name: string }) => v.name),
    ['person.mp4'],
  );
  assert.ok(videos[0].tags.some((t: { tag: string; score: number }) => t.tag === 'person' && t.score >= 0.4));
  assert.ok(videos[0].hasThumbnail);
});

test('tags counts videos per tag', async () => {
  const r = await runCli(['tags', '--db', db, '--json']);
  const tags = JSON.parse(r.stdout) as { tag: string; count: number }[];
  assert.equal(tags.find((t) => t.tag === 'person')?.count, 1);
});

test('show lists the frames the student looked at', async () => {
  const { videos } = JSON.parse((await runCli(['search', 'person', '--db', db, '--json'])).stdout);
  const r = await runCli(['show', String(videos[0].id), '--db', db, '--json']);
  const v = JSON.parse(r.stdout);
  assert.equal(v.frames.length, 3);
  assert.equal(v.scans[0].kind, 'student');
  assert.ok(v.frames.some((f: { detections: { tag: string }[] }) => f.detections.some((d) => d.tag === 'person')));
});

test('adding the same folder again costs nothing and changes nothing', async () => {
  const before = JSON.parse((await runCli(['videos', '--db', db, '--json'])).stdout);
  const r = await runCli(['add', lib.dir, '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const afterList = JSON.parse((await runCli(['videos', '--db', db, '--json'])).stdout);
  assert.deepEqual(afterList, before);
});

test('doctor reports the backend, ffmpeg, the models and the database', async () => {
  const r = await runCli(['doctor', '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.backend.name, 'wasm'); // no native TensorFlow can install on CI machines
  assert.ok(d.backend.tried.some((t: { name: string; ok: boolean }) => t.name === 'tensorflow-gpu' && !t.ok));
  // Why no GPU, in words (tfjs-node-gpu is not installed here), and what runs instead.
  assert.deepEqual(d.gpu, {
    used: false,
    why: '@tensorflow/tfjs-node-gpu is not installed (it is optional; install it to use native TensorFlow)',
    instead: 'WebAssembly on the CPU',
  });
  const text = await runCli(['doctor', '--db', db]);
  assert.match(text.stdout, /^gpu: +no — @tensorflow\/tfjs-node-gpu is not installed .*; running WebAssembly on the CPU instead$/m);
  assert.doesNotMatch(text.stdout, /Cannot find module/);
  assert.match(d.ffmpeg.path, /ffmpeg$/);
  assert.ok(d.models.every((m: { found: boolean }) => m.found));
  assert.equal(d.dbPath, db);
});

test('without --db the per-user app-data database is used', async () => {
  const home = path.join(dir, 'home');
  const r = await runCli(['roots', 'list', '--json'], { env: { GLIMPSE_HOME: home } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(home, 'glimpse.db')));
});

test('bad input gets a clear error and a non-zero exit', async () => {
  const missing = await runCli(['add', path.join(dir, 'nope'), '--db', db]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /folder not found/);
  const usage = await runCli(['frobnicate', '--db', db]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /unknown command/);
  const badK = await runCli(['add', lib.dir, '--k', 'zero', '--db', db]);
  assert.equal(badK.code, 2);
});

test('one query path: the CLI searches like the app (any case), and a tag a person removed finds nothing in either', async () => {
  const cli = async (...args: string[]) => JSON.parse((await runCli([...args, '--db', db, '--json'])).stdout);
  assert.deepEqual(
    (await cli('search', 'PERSON')).videos.map((v: { name: string }) => v.name),
    ['person.mp4'],
  );
  const { Engine } = await import('../../main/engine/engine.ts');
  const engine = new Engine({ dbPath: db });
  try {
    const [video] = (await engine.call('library.search', { q: 'person' })).videos;
    await engine.call('tags.edit', { videoIds: [video.id], remove: ['person'] }); // what the app's "remove tag" does
    assert.equal((await engine.call('library.search', { q: 'person' })).total, 0, 'the app no longer finds it');
  } finally {
    await engine.close();
  }
  assert.deepEqual((await cli('search', 'person')).videos, [], 'nor does the CLI');
  assert.equal(
    (await cli('tags')).find((t: { tag: string }) => t.tag === 'person'),
    undefined,
    'and the tag count agrees',
  );
});
