// The evidence models (main/ml/evidence): pooling, calibration, distillation, thresholds, manifests, and the rule
// that a tag needs a frame that shows it. Synthetic frame scores; no video, no tfjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fit, identityParams, probabilities, STUDENT_FIT, TEACHER_FIT } from '../../main/ml/evidence/model.ts';
import { checkEvidenceManifest, makeManifest, saveEvidenceModel } from '../../main/ml/evidence/persist.ts';
import { logit, NUM_EVIDENCE, poolEvidence } from '../../main/ml/evidence/pool.ts';
import { chooseThreshold, type Clip, crossValidate, toTagScores, uniformPick } from '../../main/ml/evidence/protocol.ts';
import { trainableForShipping } from '../../main/ml/licence.ts';
import { makeRng } from '../../main/ml/rng.ts';
import { loadTagger } from '../../main/ml/tagger.ts';
import { nearestFrames, uniformIndices, uniformTimes } from '../../main/media/sampling.ts';
import { tempDir } from '../helpers/fixtures.ts';

const C = 4; // person, dog, cup, cake (a tiny vocabulary keeps the tests readable)

test('pooling: best frame, best two, mean, share above 0.3, and persistence across neighbouring frames', () => {
  const frames = [
    [0.9, 0, 0.4, 0],
    [0.1, 0, 0.5, 0],
    [0.8, 0, 0.1, 0.6],
  ];
  const ev = poolEvidence(frames, C);
  const at = (c: number, j: number) => ev[c * NUM_EVIDENCE + j];
  assert.ok(Math.abs(at(0, 0) - logit(0.9)) < 1e-9, 'max');
  assert.ok(Math.abs(at(0, 1) - logit(0.85)) < 1e-9, 'mean of the best two');
  assert.ok(Math.abs(at(0, 2) - logit(0.6)) < 1e-9, 'mean');
  assert.equal(at(0, 3), 2 / 3, 'two of three frames ≥ 0.3');
  // person: 0.9 then 0.1 then 0.8 — never held by two neighbours above 0.1; cup: 0.4 then 0.5 holds 0.4
  assert.ok(Math.abs(at(0, 4) - logit(0.1)) < 1e-9);
  assert.ok(Math.abs(at(2, 4) - logit(0.4)) < 1e-9);
  // a cake seen in one frame only has no persistence
  assert.ok(at(3, 4) < logit(0.01));
});

/** Clips where class c is present with probability prior[c]; a present class shows in some frames. */
function synth(n: number, prior: number[], seed: number, frames = 30): Clip[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, (_, v) => {
    const y = prior.map((p) => (rng.next() < p ? 1 : 0));
    const scores = Array.from({ length: frames }, () =>
      y.map((on) => (on && rng.next() < 0.5 ? 0.35 + 0.6 * rng.next() : 0.12 * rng.next())),
    );
    return { path: `/v/${v}.mp4`, group: `g${v % 10}`, durationS: frames, times: scores.map((_, i) => i + 0.5), scores, labels: y };
  });
}

test('calibration: a learned prior cannot tag a class that no frame shows', () => {
  // 90% of the training clips have a person; the model must still not say "person" when no frame shows one.
  const train = synth(120, [0.9, 0.3, 0.3, 0.1], 1);
  const p = fit(
    train.map((c) => ({ ev: poolEvidence(c.scores, C), y: c.labels })),
    C,
    TEACHER_FIT,
  );
  const empty = Array.from({ length: 10 }, () => [0.02, 0.01, 0.03, 0.01]);
  const q = probabilities(p, poolEvidence(empty, C));
  assert.ok(q[0] < 0.2, `person without evidence: ${q[0]}`);
  const shown = Array.from({ length: 10 }, (_, i) => [i >= 3 && i <= 6 ? 0.8 : 0.05, 0, 0, 0]);
  assert.ok(probabilities(p, poolEvidence(shown, C))[0] > 0.5, 'a person in a few frames is found');
});

test('calibration: a class with no training examples is still tagged from its evidence (shared weights)', () => {
  const train = synth(120, [0.8, 0.4, 0.4, 0], 2); // nobody labelled a cake
  const p = fit(
    train.map((c) => ({ ev: poolEvidence(c.scores, C), y: c.labels })),
    C,
    TEACHER_FIT,
  );
  const cake = Array.from({ length: 10 }, (_, i) => [0.05, 0.02, 0.02, i >= 3 && i <= 6 ? 0.85 : 0.05]);
  assert.ok(probabilities(p, poolEvidence(cake, C))[3] > 0.5);
});

test('distillation: unlabelled clips pull the student towards the teacher (L_rep + L_pred without L_CE)', () => {
  const labelled = synth(80, [0.6, 0.4, 0.4, 0.2], 3);
  const teacher = fit(
    labelled.map((c) => ({ ev: poolEvidence(c.scores, C), y: c.labels })),
    C,
    TEACHER_FIT,
  );
  const unlabelled = synth(80, [0.6, 0.4, 0.4, 0.2], 4).map((c) => ({ ...c, labels: null }));
  const k = 3;
  const ex = unlabelled.map((c) => {
    const all = poolEvidence(c.scores, C);
    return {
      ev: poolEvidence(
        uniformPick(c, k).map((i) => c.scores[i]),
        C,
      ),
      y: null,
      teacherEv: all,
      teacherP: probabilities(teacher, all),
    };
  });
  const gapTo = (params: typeof teacher) =>
    ex.reduce((a, e) => {
      const s = probabilities(params, e.ev);
      return a + s.reduce((b, x, c) => b + (x - e.teacherP[c]) ** 2, 0);
    }, 0);
  const student = fit(ex, C, { ...STUDENT_FIT, init: teacher });
  assert.ok(gapTo(student) < 0.8 * gapTo(teacher), `student ${gapTo(student)} vs teacher-on-k-frames ${gapTo(teacher)}`);
});

test('threshold: best micro-F1 at the required precision, and tag scores put it at 0.5', () => {
  const probs = [
    [0.9, 0.1],
    [0.7, 0.6],
    [0.4, 0.2],
    [0.65, 0.3],
  ];
  const labels = [
    [1, 0],
    [1, 0],
    [0, 0],
    [1, 0],
  ];
  const t = chooseThreshold(probs, labels, 0.99);
  assert.ok(t > 0.6 && t <= 0.65, `threshold ${t}`); // above 0.6 (a false positive), at or below 0.65 (keeps every true one)
  const s = toTagScores([t, t + 0.05, t - 0.05], t);
  assert.ok(Math.abs(s[0] - 0.5) < 1e-9 && s[1] > 0.5 && s[2] < 0.5);
});

test('uniform k is one definition: timestamps for scans, the same frames among cached ones', () => {
  assert.deepEqual(uniformTimes(10, 4), [1.25, 3.75, 6.25, 8.75]);
  for (const [n, k] of [
    [60, 10],
    [37, 6],
    [300, 10],
    [12, 5],
  ]) {
    const times = Array.from({ length: n }, (_, i) => ((i + 0.5) * 30) / n); // n frames spread evenly over 30 s
    assert.deepEqual(nearestFrames(times, uniformTimes(30, k)), uniformIndices(n, k), `n=${n} k=${k}`);
    assert.deepEqual(uniformPick({ times, durationS: 30 }, k), uniformIndices(n, k));
  }
});

test('cross-validation predicts every clip once, from models that never trained on it', () => {
  const clips = synth(60, [0.7, 0.3, 0.3, 0.2], 5);
  const cv = crossValidate(clips, { k: 5, classes: C }, { folds: 3, inner: 2, seed: 1 });
  for (const m of ['teacher', 'student', 'uniform', 'detector'] as const) assert.equal(cv.tags[m].filter(Boolean).length, clips.length);
  assert.equal(cv.thresholds.student.length, 3);
  // nothing may train: every learned method stays at its untrained start (identity calibration)
  const none = crossValidate(clips, { k: 5, classes: C }, { folds: 3, inner: 2, seed: 1, trainable: () => false });
  const idp = identityParams(C);
  const c0 = clips[0];
  assert.deepEqual(Array.from(none.raw.teacher[0]), Array.from(probabilities(idp, poolEvidence(c0.scores, C))));
});

test('manifest: altered parameters, another frame pipeline and unsupported tags are refused or held back', async () => {
  const dir = tempDir('glimpse-evidence-');
  try {
    // A calibration that would tag everything (bias +5) must still not tag a class no frame shows.
    const params = identityParams(C);
    params.b = 5;
    const m = makeManifest({
      role: 'student',
      k: 2,
      labels: ['person', 'dog', 'cup', 'cake'],
      threshold: 0.5,
      params,
      metrics: null,
      training: null,
    });
    await saveEvidenceModel(m, path.join(dir, 'ok'));
    const t = await loadTagger(path.join(dir, 'ok'));
    assert.equal(t.name, 'student:evidence@2');
    const s = t.predict([
      [0.9, 0.05, 0.25, 0.0],
      [0.1, 0.05, 0.1, 0.0],
    ]);
    assert.ok(s[0] >= 0.5 && s[2] >= 0.5, 'supported classes are tagged');
    assert.ok(s[1] < 0.5 && s[3] < 0.5, 'classes no frame shows (best < 0.2) stay below the tag line');

    const file = path.join(dir, 'ok', 'manifest.json');
    const tampered = JSON.parse(fs.readFileSync(file, 'utf8'));
    tampered.params.w[0] = 3;
    assert.throws(
      () => checkEvidenceManifest(tampered, file),
      new RegExp(`${file.replace(/[/.]/g, '\\$&')}: parameters do not match their sha256`),
    );
    const stale = { ...JSON.parse(fs.readFileSync(file, 'utf8')), pipeline: 'sq512-v1' };
    assert.throws(() => checkEvidenceManifest(stale, file), /fitted on frame pipeline sq512-v1.*retrain/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('licence rule for shipped weights: permissive repository and nothing restricting in the note', () => {
  const ok = (l: string, s = 'x/y:z') => trainableForShipping(l, s).ok;
  assert.equal(ok('MIT (repo); White House event video'), true);
  assert.equal(ok('MIT (repo); clip origin not stated', 'intel-iot-devkit/sample-videos:a.mp4'), true, 'origin stated by the data README');
  assert.equal(ok('MIT (repo); clip origin not stated', 'someone/repo:a.mp4'), false, 'unknown origin');
  assert.equal(ok('Apache-2.0 (repo); shutterstock stock preview'), false);
  assert.equal(ok('MIT (repo); film excerpt (Marvel, copyrighted)'), false);
  assert.equal(ok('MIT (repo); nuScenes (CC BY-NC-SA 4.0)'), false);
  assert.equal(ok('S-Lab License 1.0 (non-commercial) (repo); clip origin not stated'), false);
  assert.equal(
    ok('GPL-3.0 (repo); clip origin not stated', 'intel-iot-devkit/sample-videos:a.mp4'),
    false,
    'the repository licence comes first',
  );
  assert.equal(ok('no licence file (repo); stock footage'), false);
});
