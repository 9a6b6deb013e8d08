/**
 * Model faults: every weight file the app loads is checked against its recorded sha256 before use. A damaged
 * file (permuted, truncated, swapped) is refused with its name and both hashes; `glimpse doctor` says so and exits
 * non-zero; a scan refuses to tag. Faults are injected into copies (never into node_modules or resources/models):
 * video-model folders are copied with their checksum list, and the frame CNNs' list is replaced by one that
 * expects other bytes (GLIMPSE_MODEL_CHECKSUMS), which is what a damaged file looks like to the check.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { type ChecksumList, sumFile, verifyModelDir } from '../../main/ml/checksums.ts';
import { humanArtifacts, modelFiles, nsfwArtifacts, shippedChecksumsFile, shippedModelsDir } from '../../main/ml/model-files.ts';
import { loadTagger } from '../../main/ml/tagger.ts';
import { makeManifest, saveEvidenceModel } from '../../main/ml/evidence/persist.ts';
import { makeVideo, runCli, tempDir } from '../helpers/fixtures.ts';

const dir = tempDir('glimpse-integrity-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of resources/models (manifests + checksums.json) that a test may damage. */
function shippedCopy(name: string): string {
  const out = path.join(dir, name);
  fs.cpSync(shippedModelsDir(), out, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  return out;
}

/** Swap two parameters of an evidence manifest: valid JSON, plausible numbers, wrong model. */
function permute(file: string): void {
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  const w = m.params.w;
  [w[0], w[1]] = [w[1], w[0]];
  fs.writeFileSync(file, `${JSON.stringify(m, null, 1)}\n`);
}

test('the shipped list covers every frame-CNN file and every shipped model, and all match', () => {
  const list = JSON.parse(fs.readFileSync(shippedChecksumsFile(), 'utf8')) as ChecksumList;
  const keys = Object.keys(list.files);
  assert.ok(keys.some((k) => k.startsWith('npm:nsfwjs/') && k.endsWith('model.min.js')));
  assert.ok(keys.some((k) => k.startsWith('npm:nsfwjs/') && k.includes('shard')));
  assert.ok(keys.includes('npm:@vladmandic/human/models/centernet.json') && keys.includes('npm:@vladmandic/human/models/centernet.bin'));
  assert.ok(keys.includes('teacher/manifest.json') && keys.includes('student/manifest.json'));
  const report = modelFiles();
  assert.ok(
    report.every((m) => m.found),
    report.map((m) => m.name).join('\n'),
  );
  // and the checked loaders still produce artifacts
  assert.ok((nsfwArtifacts('mobilenet_v2').weightData as ArrayBuffer).byteLength > 1e6);
  assert.ok((humanArtifacts('centernet').weightData as ArrayBuffer).byteLength > 1e6);
});

test('a permuted, truncated or unparsable shipped model is refused, naming the file and both hashes', async () => {
  const models = shippedCopy('shipped-permuted');
  await loadTagger(path.join(models, 'student')); // intact copy loads
  const file = path.join(models, 'student', 'manifest.json');
  const expected = sumFile(file).sha256;
  permute(file);
  await assert.rejects(loadTagger(path.join(models, 'student')), (e: Error) => {
    assert.ok(e.message.includes(file), e.message);
    assert.ok(e.message.includes(expected) && e.message.includes(sumFile(file).sha256), e.message);
    return true;
  });
  // truncated
  const t = path.join(models, 'teacher', 'manifest.json');
  fs.truncateSync(t, 1000);
  await assert.rejects(loadTagger(path.join(models, 'teacher')), (e: Error) => e.message.includes(t) && /sha256/.test(e.message));
  // an unlisted model folder beside a list is refused too
  fs.cpSync(path.join(shippedModelsDir(), 'student'), path.join(models, 'student-evidence'), { recursive: true });
  assert.throws(() => verifyModelDir(path.join(models, 'student-evidence')), /no checksum recorded/);
  // an unparsable checksum list names itself
  fs.writeFileSync(path.join(models, 'checksums.json'), '{"format": "glimpse-chec');
  assert.throws(
    () => verifyModelDir(path.join(models, 'student')),
    (e: Error) => e.message.includes(path.join(models, 'checksums.json')),
  );
});

test('a model written by training carries its checksums and is checked the same way', async () => {
  const shipped = JSON.parse(fs.readFileSync(path.join(shippedModelsDir(), 'student', 'manifest.json'), 'utf8'));
  const out = path.join(dir, 'library-models', 'student');
  await saveEvidenceModel(makeManifest({ ...shipped, metrics: null, training: { library: true } }), out);
  const list = JSON.parse(fs.readFileSync(path.join(out, 'checksums.json'), 'utf8')) as ChecksumList;
  assert.equal(list.files['manifest.json'].sha256, sumFile(path.join(out, 'manifest.json')).sha256);
  assert.deepEqual(
    fs.readdirSync(out).filter((f) => f.includes('.tmp')),
    [],
    'no temp file left behind',
  );
  await loadTagger(out);
  permute(path.join(out, 'manifest.json'));
  await assert.rejects(
    loadTagger(out),
    (e: Error) => e.message.includes(path.join(out, 'manifest.json')) && /expected [0-9a-f]{64}/.test(e.message),
  );
  // an unparsable manifest without any checksum names the file
  fs.rmSync(path.join(out, 'checksums.json'));
  fs.writeFileSync(path.join(out, 'manifest.json'), '{"format":"glimpse-evid');
  await assert.rejects(loadTagger(out), (e: Error) => e.message.includes(path.join(out, 'manifest.json')));
});

/** A frame-CNN checksum list whose entry for `key` expects other bytes: what a damaged file looks like. */
function badList(match: string): { file: string; key: string; expected: string } {
  const list = JSON.parse(fs.readFileSync(shippedChecksumsFile(), 'utf8')) as ChecksumList;
  const key = Object.keys(list.files).find((k) => k.includes(match))!;
  list.files[key] = { ...list.files[key], sha256: 'f'.repeat(64) };
  const file = path.join(dir, `bad-${match.replace(/\W/g, '')}.json`);
  fs.writeFileSync(file, JSON.stringify(list));
  return { file, key, expected: 'f'.repeat(64) };
}

test('a damaged frame-CNN file: the loader refuses it, naming the file and both hashes', () => {
  const bad = badList('centernet.bin');
  process.env.GLIMPSE_MODEL_CHECKSUMS = bad.file;
  try {
    assert.throws(
      () => humanArtifacts('centernet'),
      (e: Error) => /centernet\.bin: damaged or altered model file: sha256 [0-9a-f]{64} \(\d+ bytes\), expected f{64}/.test(e.message),
    );
    const r = modelFiles().find((m) => m.name.startsWith('centernet'))!;
    assert.equal(r.found, false);
    assert.match(r.file, /centernet\.bin$/);
  } finally {
    delete process.env.GLIMPSE_MODEL_CHECKSUMS;
  }
});

test('CLI: doctor reports a damaged frame-CNN file and exits 1; a scan refuses to tag', { timeout: 240_000 }, async () => {
  const bad = badList('group1-shard1of1');
  const env = { GLIMPSE_MODEL_CHECKSUMS: bad.file, GLIMPSE_CNN_WORKERS: '1' };
  const db = path.join(dir, 'cli', 'g.db');
  const doctor = await runCli(['doctor', '--db', db], { env });
  assert.equal(doctor.code, 1, doctor.stdout + doctor.stderr);
  assert.match(doctor.stdout, /group1-shard1of1\.min\.js: damaged or altered model file: sha256 [0-9a-f]{64} .*expected f{64}/);
  const ok = await runCli(['doctor', '--db', db, '--json']);
  const okReport = JSON.parse(ok.stdout) as { models: { found: boolean; name: string }[] };
  assert.ok(
    okReport.models.slice(0, 4).every((m) => m.found),
    ok.stdout,
  );

  const lib = path.join(dir, 'cli', 'lib');
  makeVideo(path.join(lib, 'a.mp4'), { seconds: 2 });
  const add = await runCli(['add', lib, '--db', db], { env });
  assert.notEqual(add.code, 0, 'the scan job fails');
  assert.match(add.stderr + add.stdout, /group1-shard1of1\.min\.js: damaged or altered model file/);
  const videos = await runCli(['videos', '--db', db, '--json']);
  const list = (JSON.parse(videos.stdout) as { videos: { status: string }[] }).videos;
  assert.equal(list.length, 1);
  assert.ok(
    list.every((v) => v.status !== 'ok'),
    'no video was tagged with a damaged model',
  );
});
