/**
 * Builds the models Glimpse ships: resources/models/teacher (every frame of a teacher scan) and
 * resources/models/student (k uniform frames, distilled from the teacher), both evidence models
 * (main/ml/evidence).
 *
 *   node --import tsx resources/models/train-defaults.ts --clips ../shared/data
 *
 * 1. Builds/reuses the feature cache (.cache/features-<FRAME_PIPELINE>.db) through the real engine.
 * 2. Training clips: only those whose licence clears shipping (main/ml/licence.ts); every clip evaluates.
 * 3. Held-out metrics of exactly this recipe: grouped k-fold over every labelled clip, training on the cleared
 *    clips of each training split, thresholds by nested CV inside it (main/ml/evidence/protocol.ts).
 * 4. Fits teacher and student on all cleared clips; the threshold comes from out-of-fold predictions of those
 *    clips (grouped CV), never from a clip the metrics were measured on.
 * 5. Saves both manifests (parameters, sha256, threshold, pipeline, training clip list) and loads them back
 *    through loadTagger as a check. Deterministic: no randomness but the fold assignment (seeded).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COCO80 } from '../../shared/coco.ts';
import { ensureFeatureDb } from '../../main/engine/feature-cache.ts';
import { locateData, readLabelsCsv } from '../../main/ml/dataset.ts';
import { clipsFromDb } from '../../main/ml/evidence/clips.ts';
import { makeManifest, saveEvidenceModel } from '../../main/ml/evidence/persist.ts';
import { chooseThreshold, crossValidate, MIN_PRECISION, outOfFold, score, trainAll } from '../../main/ml/evidence/protocol.ts';
import { FRAME_PIPELINE } from '../../main/ml/frame-cnn.ts';
import { trainableForShipping } from '../../main/ml/licence.ts';
import { loadTagger } from '../../main/ml/tagger.ts';
import { openDb } from '../../main/store/db.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const { values: a } = parseArgs({
  options: {
    clips: { type: 'string', default: '../shared/data' },
    db: { type: 'string', default: path.join(ROOT, '.cache', `features-${FRAME_PIPELINE}.db`) },
    k: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    folds: { type: 'string', default: '5' },
    inner: { type: 'string', default: '4' },
    out: { type: 'string', default: path.join(ROOT, 'resources', 'models') },
    'cache-only': { type: 'boolean', default: false },
  },
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const k = Number(a.k),
  seed = Number(a.seed),
  folds = Number(a.folds),
  inner = Number(a.inner);
const loc = locateData(path.resolve(ROOT, a.clips!));
if (!a['cache-only']) await ensureFeatureDb(loc.clipsRoot, a.db!, log);
const db = openDb(a.db!);
const { labels } = readLabelsCsv(loc.labelsCsv);
const clips = clipsFromDb(db, labels).filter((c) => c.labels);
db.close();
const verdict = new Map([...labels.values()].map((l) => [l.file, trainableForShipping(l.license, l.source)]));
const cleared = clips.filter((c) => verdict.get(c.path)?.ok);
log(`${clips.length} labelled clips with features; ${cleared.length} cleared for training shipped weights`);
const C = COCO80.length,
  spec = { k, classes: C };

// Held-out metrics of this recipe (test folds hold every clip, training only the cleared ones).
const cv = crossValidate(clips, spec, { folds, inner, seed, trainable: (c) => verdict.get(c.path)?.ok === true });
const Y = clips.map((c) => c.labels!);
const held = (m: 'teacher' | 'student' | 'uniform' | 'detector') => {
  const s = score(cv.tags[m], Y, cv.support[m]);
  return {
    gap: s.gap,
    map: s.map,
    hit1: s.hit1,
    precision: s.pr.precision,
    recall: s.pr.recall,
    f1: s.pr.f1,
    unsupported: s.unsupported,
    framesPerVideo: cv.frames[m],
    thresholds: cv.thresholds[m],
  };
};
const heldOut = { teacher: held('teacher'), student: held('student'), uniform: held('uniform'), detector: held('detector') };
log(
  `held-out (${folds} grouped folds over ${clips.length} clips): student F1 ${heldOut.student.f1.toFixed(3)} P ${heldOut.student.precision.toFixed(3)} ` +
    `R ${heldOut.student.recall.toFixed(3)} GAP ${heldOut.student.gap.toFixed(3)}; teacher GAP ${heldOut.teacher.gap.toFixed(3)}; detector GAP ${heldOut.detector.gap.toFixed(3)}`,
);

// Final models on every cleared clip; thresholds from their own out-of-fold predictions.
const all = cleared.map((_, i) => i);
const trained = trainAll(cleared, { ...spec, baseline: false });
const oof = outOfFold(cleared, all, spec, inner, seed);
const thr = {
  teacher: chooseThreshold(
    oof.teacher,
    cleared.map((c) => c.labels!),
  ),
  student: chooseThreshold(
    oof.student,
    cleared.map((c) => c.labels!),
  ),
};
const csvSha = createHash('sha256').update(fs.readFileSync(loc.labelsCsv)).digest('hex');
const training = {
  command: `node --import tsx resources/models/train-defaults.ts --clips ${a.clips} --k ${k} --seed ${seed} --folds ${folds} --inner ${inner}`,
  labelsCsvSha256: csvSha,
  seed,
  minPrecision: MIN_PRECISION,
  licenceRule: 'main/ml/licence.ts (trainableForShipping)',
  clips: cleared.map((c) => ({ file: path.relative(loc.dataDir, c.path), why: verdict.get(c.path)!.why })),
};
const metrics = {
  heldOut,
  protocol: `${folds} grouped folds over ${clips.length} labelled clips; training on licence-cleared clips of each split; thresholds by nested ${inner}-fold CV`,
};
const outDir = path.resolve(a.out!);
for (const role of ['teacher', 'student'] as const) {
  const dir = path.join(outDir, role);
  fs.rmSync(path.join(dir, 'weights.bin'), { force: true }); // the tfjs video models' file, not used by evidence models
  await saveEvidenceModel(
    makeManifest({
      role,
      k: role === 'student' ? k : null,
      labels: [...COCO80],
      threshold: thr[role],
      params: trained[role],
      metrics,
      training,
    }),
    dir,
  );
}
const tT = await loadTagger(path.join(outDir, 'teacher')),
  tS = await loadTagger(path.join(outDir, 'student'));
log(`saved ${tT.name} (threshold ${thr.teacher}) and ${tS.name} (threshold ${thr.student}) to ${outDir}; they load through loadTagger`);
process.stdout.write(`${JSON.stringify({ cleared: cleared.length, thresholds: thr, heldOut }, null, 2)}\n`);
