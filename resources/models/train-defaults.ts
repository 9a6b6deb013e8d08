/**
 * Trains the models Glimpse ships: resources/models/teacher (all frames) and resources/models/student (k
 * uniform frames, distilled serially from the teacher with L_CE + α·L_rep + β·L_pred).
 *
 *   node --import tsx resources/models/train-defaults.ts --clips ../shared/data
 *
 * 1. Builds/reuses the teacher-scan feature cache of the clips (.cache/features.db) through the real engine.
 * 2. Grouped k-fold evaluation of exactly this recipe (held-out clips; the numbers stored in `metrics`), which
 *    also gives the number of epochs early stopping picked.
 * 3. Retrains teacher and student on ALL labelled clips for that many epochs, saves both with the per-class
 *    detector blend weights (`training.blendWeights`, applied by main/ml/tagger.ts), and checks that both load
 *    and predict through loadTagger.
 * Deterministic: same clips, labels and seed ⇒ same weights (wasm backend).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../main/ml/backend.ts';
import { videoModelFlops, videoPipelineFlops } from '../../main/ml/flops.ts';
import { evaluate } from '../../main/ml/metrics.ts';
import { makeRng } from '../../main/ml/rng.ts';
import { loadTagger } from '../../main/ml/tagger.ts';
import { selectFrames } from '../../main/ml/train/frames.ts';
import type { Family } from '../../main/ml/video/config.ts';
import { saveModel } from '../../main/ml/video/persist.ts';
import { openDb } from '../../main/store/db.ts';
import {
  blend, complement, type Dataset, defaultRecipe, ensureFeatureDb, fitStudent, fitTeacher, framesFor, groupedFolds, loadDataset,
  locateData, type Recipe, runOn, supportWeights,
} from '../../tests/bench/accuracy-lib.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const { values: a } = parseArgs({
  options: {
    clips: { type: 'string', default: '../shared/data' },
    db: { type: 'string', default: path.join(ROOT, '.cache', 'features.db') },
    family: { type: 'string', default: 'netvlad' },
    k: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    folds: { type: 'string', default: '5' },
    epochs: { type: 'string' }, // skip the fold evaluation's epoch choice and train this many
    blend: { type: 'string' },
    montage: { type: 'string' },
    alpha: { type: 'string' },
    beta: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'resources', 'models') },
    features: { type: 'string' }, // both | embedding | scores
    norm: { type: 'string' }, // l2 | l2-per-part | none
    'cache-only': { type: 'boolean', default: false }, // use the feature cache as it is (no engine scan)
  },
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const family = a.family as Family;
const k = Number(a.k), seed = Number(a.seed), nFolds = Number(a.folds);
const over: Partial<Recipe> = { seed };
if (a.blend !== undefined) over.blendN0 = Number(a.blend);
if (a.montage) over.montagePerVideo = Number(a.montage);
if (a.features || a.norm) {
  const base = defaultRecipe('hrnn').features;
  over.features = { ...base, parts: (a.features ?? base.parts) as typeof base.parts, norm: (a.norm ?? base.norm) as typeof base.norm };
}
if (a.alpha) over.alpha = Number(a.alpha);
if (a.beta) over.beta = Number(a.beta);
const R = defaultRecipe(family, over);
const STUDENT = { k, strategy: 'uniform' as const, mode: 'serial' as const, terms: ['ce', 'rep', 'pred'] as ('ce' | 'rep' | 'pred')[] };

const loc = locateData(path.resolve(ROOT, a.clips!));
if (!a['cache-only']) await ensureFeatureDb(loc.clipsRoot, a.db!, log);
const db = openDb(a.db!);
const ds: Dataset = loadDataset(db, loc.labelsCsv);
db.close();
await initBackend();
const labelsSha = createHash('sha256').update(fs.readFileSync(loc.labelsCsv)).digest('hex');
log(`train-defaults: ${ds.videos.length} labelled clips, ${new Set(ds.groups).size} groups; ${family}, student k=${k}`);

// ---------------------------------------------------------------------------------- held-out evaluation

type M = { gap: number; map: number; hit1: number };
const pick = (e: ReturnType<typeof evaluate>): M => ({ gap: e.gap, map: e.map, hit1: e.hit1 });
const avg = (xs: M[]): M => ({ gap: mean(xs.map((x) => x.gap)), map: mean(xs.map((x) => x.map)), hit1: mean(xs.map((x) => x.hit1)) });
function mean(x: number[]): number { return x.reduce((s, v) => s + v, 0) / Math.max(1, x.length); }

let heldOut: Record<string, unknown> | null = null;
let epochsT = Number(a.epochs ?? 0), epochsS = Number(a.epochs ?? 0);
if (nFolds >= 2) {
  const folds = groupedFolds(ds.groups, nFolds, seed);
  const acc = { teacher: [] as M[], student: [] as M[], uniform: [] as M[], teacherPure: [] as M[], studentPure: [] as M[], uniformPure: [] as M[], detector: [] as M[] };
  const bestT: number[] = [], bestS: number[] = [];
  for (let f = 0; f < folds.length; f++) {
    const test = folds[f], train = complement(ds.features.length, test), y = test.map((i) => ds.labels[i]);
    const w = supportWeights(train.map((i) => ds.labels[i]), R.blendN0);
    const teacher = await fitTeacher(ds, train, R);
    const student = await fitStudent(teacher, ds, train, R, STUDENT);
    const uniform = await fitStudent(teacher, ds, train, R, { ...STUDENT, terms: ['ce'] });
    bestT.push(Number(teacher.meta.training?.bestEpoch ?? R.epochs));
    bestS.push(Number(student.meta.training?.bestEpoch ?? R.epochs));
    const all = (n: number) => framesFor(n, null, 'uniform', makeRng(seed));
    const kf = (n: number) => framesFor(n, k, 'uniform', makeRng(seed));
    const sT = runOn(teacher, ds, test, all), sS = runOn(student, ds, test, kf), sU = runOn(uniform, ds, test, kf), sD = runOn(null, ds, test, kf);
    const bl = (s: typeof sT) => s.probs.map((p, i) => blend(p, s.detector[i], w));
    acc.teacher.push(pick(evaluate(bl(sT), y))); acc.student.push(pick(evaluate(bl(sS), y))); acc.uniform.push(pick(evaluate(bl(sU), y)));
    acc.teacherPure.push(pick(evaluate(sT.probs, y))); acc.studentPure.push(pick(evaluate(sS.probs, y))); acc.uniformPure.push(pick(evaluate(sU.probs, y)));
    acc.detector.push(pick(evaluate(sD.probs, y)));
    log(`fold ${f + 1}/${folds.length}: teacher GAP ${acc.teacher.at(-1)!.gap.toFixed(3)}, student ${acc.student.at(-1)!.gap.toFixed(3)}, `
      + `uniform-k ${acc.uniform.at(-1)!.gap.toFixed(3)}, detector max-pool-k ${acc.detector.at(-1)!.gap.toFixed(3)} (blended)${R.valFraction > 0 ? `; best epochs ${bestT.at(-1)}/${bestS.at(-1)}` : ''}`);
    teacher.dispose(); student.dispose(); uniform.dispose();
  }
  const med = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];
  // with early stopping in the recipe, the final models (trained on everything, no held-out split) get the median best epoch
  if (!a.epochs && R.valFraction > 0) { epochsT = Math.max(5, med(bestT)); epochsS = Math.max(5, med(bestS)); }
  heldOut = {
    protocol: `${nFolds} grouped folds over ${ds.videos.length} clips (sources never straddle a split), mean over folds, `
      + `each fold trained with this recipe`,
    blended: R.blendN0 > 0, teacher: avg(acc.teacher), student: avg(acc.student), uniformK: avg(acc.uniform), detectorMaxPoolK: avg(acc.detector),
    pure: { teacher: avg(acc.teacherPure), student: avg(acc.studentPure), uniformK: avg(acc.uniformPure) },
    ...(R.valFraction > 0 ? { bestEpochs: { teacher: bestT, student: bestS } } : {}),
  };
  log(`held-out: ${JSON.stringify(heldOut)}`);
}
if (!epochsT) { epochsT = R.epochs; epochsS = R.epochs; }

// ---------------------------------------------------------------------------------- final models

const everything = ds.features.map((_, i) => i);
const finalR: Recipe = { ...R, valFraction: 0 };
const t0 = performance.now();
const teacher = await fitTeacher(ds, everything, { ...finalR, epochs: epochsT });
const student = await fitStudent(teacher, ds, everything, { ...finalR, epochs: epochsS }, STUDENT);
log(`final teacher (${epochsT} epochs) + student (${epochsS} epochs) on all ${ds.videos.length} clips in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

const blendWeights = R.blendN0 > 0 ? supportWeights(ds.labels, R.blendN0) : null;
const meanFrames = mean(ds.features.map((f) => f.length));
const training = {
  data: {
    clips: ds.videos.length, groups: new Set(ds.groups).size, source: '../shared/data (the team\'s hand-labelled public clips, see resources/models/README.md)',
    labelsCsv: path.basename(loc.labelsCsv), labelsSha256: labelsSha,
  },
  command: `node --import tsx resources/models/train-defaults.ts ${process.argv.slice(2).join(' ')}`.trim(),
  recipe: { ...R, epochsTeacher: epochsT, epochsStudent: epochsS },
  seed,
  ...(blendWeights ? { blendWeights, blendN0: R.blendN0 } : {}),
};
const cost = (c: typeof teacher.config, frames: number) => ({ frames, videoModelFlops: videoModelFlops(c, frames).total, pipelineFlops: videoPipelineFlops(c, frames).total });
teacher.meta.training = { ...teacher.meta.training, ...training };
student.meta.training = { ...student.meta.training, ...training };
teacher.meta.metrics = { heldOut: heldOut ? { ...heldOut, model: heldOut.teacher } : null, costPerVideo: cost(teacher.config, meanFrames) };
student.meta.metrics = { heldOut: heldOut ? { ...heldOut, model: heldOut.student } : null, costPerVideo: cost(student.config, Math.min(k, meanFrames)) };

const outDir = path.resolve(a.out!);
const mT = await saveModel(teacher, path.join(outDir, 'teacher'));
const mS = await saveModel(student, path.join(outDir, 'student'));
teacher.dispose(); student.dispose();
log(`saved ${path.join(outDir, 'teacher')} (${(mT.weights.bytes / 1e6).toFixed(2)} MB) and ${path.join(outDir, 'student')} (${(mS.weights.bytes / 1e6).toFixed(2)} MB)`);

// ---------------------------------------------------------------------------------- load check

const tT = await loadTagger(path.join(outDir, 'teacher')), tS = await loadTagger(path.join(outDir, 'student'));
const pT = ds.features.map((f) => Array.from(tT.predict(f)));
const pS = ds.features.map((f) => Array.from(tS.predict(selectFrames(f.length, k, 'uniform').map((j) => f[j]))));
const eT = evaluate(pT, ds.labels), eS = evaluate(pS, ds.labels);
log(`loadTagger check (training clips, not held-out): ${tT.name} GAP ${eT.gap.toFixed(3)}, ${tS.name} GAP ${eS.gap.toFixed(3)}`);
const summary = {
  teacher: { dir: path.join(outDir, 'teacher'), bytes: mT.weights.bytes, name: tT.name, heldOut: heldOut?.teacher ?? null, trainingFit: pick(eT) },
  student: { dir: path.join(outDir, 'student'), bytes: mS.weights.bytes, name: tS.name, heldOut: heldOut?.student ?? null, trainingFit: pick(eS) },
  heldOut,
};
tT.model.dispose(); tS.model.dispose();
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
