/**
 * `npm run bench:accuracy -- --clips ../shared/data`: the paper's Table 1 on the team's hand-labelled clips.
 *
 * Teacher (all cached frames) vs distilled students (serial / parallel, loss combinations) vs students trained
 * without a teacher (Uniform-k, Random-k, First/Middle/Last/FML-k) vs naive max-pooling of the detector over k
 * frames, for k ∈ {6, 10, 15, 20, 30} and k = 10% of each video's frames. Cells: GAP@20 / mAP / hit@1 against
 * labels.csv, FLOPs per video (frame CNNs included) and seconds per video. Held-out evaluation with grouped
 * folds (a source and its re-encodes, or the 20 near-duplicate ASL clips, never straddle a split), averaged over
 * folds. Deterministic (seeded). Writes bench-output/accuracy.json and bench-output/accuracy.md.
 *
 * Frames come from the feature cache (.cache/features.db), built once through the real engine (teacher scan of
 * every clip); a student's k frames are picked from the teacher scan's frames.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../main/ml/backend.ts';
import { FRAME_PIPELINE } from '../../main/ml/frame-cnn.ts';
import { frameCnnFlops, videoPipelineFlops } from '../../main/ml/flops.ts';
import { evaluate } from '../../main/ml/metrics.ts';
import { makeRng } from '../../main/ml/rng.ts';
import { kForFraction } from '../../main/ml/train/frames.ts';
import type { LossTerm } from '../../main/ml/train/losses.ts';
import type { Family } from '../../main/ml/video/config.ts';
import type { Strategy, VideoModel } from '../../main/ml/video/model.ts';
import { openDb } from '../../main/store/db.ts';
import {
  blend,
  type Cell,
  complement,
  type Dataset,
  defaultRecipe,
  ensureFeatureDb,
  fitStudent,
  fitTeacher,
  framesFor,
  groupedFolds,
  loadDataset,
  locateData,
  meanCell,
  type Recipe,
  reportMarkdown,
  runOn,
  type Scored,
  secondsPerFrame,
  supportWeights,
  type TableRow,
  targetsOf,
} from './accuracy-lib.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const { values: a } = parseArgs({
  options: {
    clips: { type: 'string', default: '../shared/data' },
    db: { type: 'string', default: path.join(ROOT, '.cache', `features-${FRAME_PIPELINE}.db`) },
    family: { type: 'string', default: 'netvlad' },
    families: { type: 'string' }, // extra families reported at k=10 (default: the other two)
    k: { type: 'string', default: '6,10,15,20,30' },
    'no-tenth': { type: 'boolean', default: false }, // leave out the k = 10% column
    folds: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    epochs: { type: 'string' },
    blend: { type: 'string' }, // n0 of the detector blend; 0 = pure models only
    alpha: { type: 'string' },
    beta: { type: 'string' },
    montage: { type: 'string' }, // montage videos per training video
    variants: { type: 'string', default: 'core' }, // core | all (adds the L_rep-only / L_pred-only rows)
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'bench-output') },
    features: { type: 'string' }, // both | embedding | scores
    norm: { type: 'string' }, // l2 | l2-per-part | none
    'cache-only': { type: 'boolean', default: false }, // use the feature cache as it is (no engine scan)
  },
  allowPositionals: false,
});

const log = (s: string) => process.stderr.write(`${s}\n`);
const outDir = path.resolve(a.out!);
fs.mkdirSync(outDir, { recursive: true });
const writeOut = (json: unknown, md?: string) => {
  fs.writeFileSync(path.join(outDir, 'accuracy.json'), `${JSON.stringify(json, null, 2)}\n`);
  if (md !== undefined) fs.writeFileSync(path.join(outDir, 'accuracy.md'), md);
};

// ------------------------------------------------------------------------------------------------ data

let loc: ReturnType<typeof locateData>;
try {
  loc = locateData(path.resolve(ROOT, a.clips!));
} catch (e) {
  const msg = `skipped: ${(e as Error).message}`;
  log(`bench:accuracy ${msg}`);
  const json = { date: new Date().toISOString(), skipped: msg };
  writeOut(json, `# Accuracy benchmark\n\n${msg}\n`);
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  process.exit(0);
}

const quick = a.quick!;
const mainFamily = a.family as Family;
// NeXtVLAD is opt-in (--families hrnn,nextvlad): its λD×D expansion makes one fold take over 20 min on 2 cores
const extraFamilies = (a.families ?? (quick ? '' : ['hrnn', 'netvlad'].filter((f) => f !== mainFamily).join(',')))
  .split(',')
  .filter(Boolean) as Family[];
const ks = (quick && !process.argv.includes('--k') ? '10' : a.k!)
  .split(',')
  .map(Number)
  .filter((k) => k > 0);
const nFolds = Number(quick && !process.argv.includes('--folds') ? 3 : a.folds);
const seed = Number(a.seed);
const over: Partial<Recipe> = { seed };
if (a.epochs) over.epochs = Number(a.epochs);
else if (quick) over.epochs = 25;
if (a.blend !== undefined) over.blendN0 = Number(a.blend);
if (a.alpha) over.alpha = Number(a.alpha);
if (a.beta) over.beta = Number(a.beta);
if (a.montage) over.montagePerVideo = Number(a.montage);
if (a.features || a.norm) {
  const base = defaultRecipe('hrnn').features;
  over.features = { ...base, parts: (a.features ?? base.parts) as typeof base.parts, norm: (a.norm ?? base.norm) as typeof base.norm };
}
const recipeOf = (f: Family) => defaultRecipe(f, over);
const R = recipeOf(mainFamily);

if (!a['cache-only']) await ensureFeatureDb(loc.clipsRoot, a.db!, log);
const db = openDb(a.db!);
const ds: Dataset = loadDataset(db, loc.labelsCsv);
const spfT = secondsPerFrame(db, 'teacher');
const spfS = secondsPerFrame(db, 'student');
db.close();
if (!spfT) throw new Error('feature cache has no teacher scans');
const spf = spfT.decode + spfT.cnn;
const labelsSha = createHash('sha256').update(fs.readFileSync(loc.labelsCsv)).digest('hex');
log(
  `bench:accuracy: ${ds.videos.length} labelled videos, ${new Set(ds.groups).size} groups, ${ds.unlabeled.length} unlabelled; ` +
    `teacher scan ${spf.toFixed(3)} s/frame; main family ${mainFamily}, folds ${nFolds}, k ${ks.join(',')}${!a['no-tenth'] ? ',10%' : ''}`,
);
await initBackend();

// ------------------------------------------------------------------------------------------------ rows

type K = number | 'tenth';
interface Spec {
  name: string;
  section: string;
  family: Family;
  /** teacher: all frames; detector: no model; student: trained on k frames */
  kind: 'teacher' | 'detector-all' | 'detector' | 'student';
  strategy?: Strategy;
  mode?: 'serial' | 'parallel';
  terms?: LossTerm[];
  /** columns this row is evaluated in (undefined = all) */
  only?: K[];
}
const termName = (t: LossTerm[]) => t.map((x) => ({ rep: 'L_rep', pred: 'L_pred', ce: 'L_CE' })[x]).join(',');
const distilled: [Spec['mode'], LossTerm[]][] = [
  ['serial', ['rep', 'pred', 'ce']],
  ['serial', ['pred', 'ce']],
  ['serial', ['rep', 'ce']],
  ['parallel', ['rep', 'pred', 'ce']],
  ['parallel', ['rep', 'ce']],
  ...(a.variants === 'all'
    ? ([
        ['serial', ['rep']],
        ['serial', ['pred']],
        ['parallel', ['rep']],
      ] as [Spec['mode'], LossTerm[]][])
    : []),
];
const strategies: [Strategy, string][] = [
  ['uniform', 'Uniform-k'],
  ['random', 'Random-k'],
  ['first', 'First-k'],
  ['middle', 'Middle-k'],
  ['last', 'Last-k'],
  ['fml', 'First-Middle-Last-k'],
];
const FAM = { hrnn: 'H-RNN', netvlad: 'NetVLAD', nextvlad: 'NeXtVLAD' } as const;

const specs: Spec[] = [
  { name: `${FAM[mainFamily]} teacher (all frames)`, section: 'Teacher (skyline)', family: mainFamily, kind: 'teacher' },
  { name: 'Detector max-pool (all frames)', section: 'Teacher (skyline)', family: mainFamily, kind: 'detector-all' },
  ...(quick ? distilled.slice(0, 1) : distilled).map(([mode, terms]): Spec => ({
    name: `${mode === 'serial' ? 'Serial' : 'Parallel'} ${termName(terms!)}`,
    section: `Teacher–student (${FAM[mainFamily]})`,
    family: mainFamily,
    kind: 'student',
    strategy: 'uniform',
    mode,
    terms,
  })),
  ...(quick ? strategies.slice(0, 1) : strategies).map(([strategy, name]): Spec => ({
    name,
    section: `Baselines: student alone, L_CE only (${FAM[mainFamily]})`,
    family: mainFamily,
    kind: 'student',
    strategy,
    mode: 'serial',
    terms: ['ce'],
  })),
  {
    name: 'Detector max-pool-k (uniform, no training)',
    section: 'Baselines: no learning',
    family: mainFamily,
    kind: 'detector',
    strategy: 'uniform',
  },
  ...extraFamilies.flatMap((f): Spec[] => [
    { name: `${FAM[f]} teacher (all frames)`, section: 'Other families (k = 10)', family: f, kind: 'teacher', only: [10] },
    {
      name: `${FAM[f]} serial L_rep,L_pred,L_CE`,
      section: 'Other families (k = 10)',
      family: f,
      kind: 'student',
      strategy: 'uniform',
      mode: 'serial',
      terms: ['rep', 'pred', 'ce'],
      only: [10],
    },
    {
      name: `${FAM[f]} Uniform-k (L_CE only)`,
      section: 'Other families (k = 10)',
      family: f,
      kind: 'student',
      strategy: 'uniform',
      mode: 'serial',
      terms: ['ce'],
      only: [10],
    },
  ]),
];

const columns: { key: string; k: K; title: string }[] = [
  ...ks.map((k) => ({ key: `k${k}`, k: k as K, title: `k=${k}` })),
  ...(!a['no-tenth'] ? [{ key: 'p10', k: 'tenth' as K, title: 'k=10% of frames' }] : []),
];

// ------------------------------------------------------------------------------------------------ folds

const folds = groupedFolds(ds.groups, nFolds, seed);
/** per spec name → column → per-fold cells, pure and blended */
const pure = new Map<string, Map<string, Cell[]>>(),
  blended = new Map<string, Map<string, Cell[]>>();
/** pooled (all folds) predictions for a second, fold-size-independent view */
const pooled = new Map<string, { pure: number[][]; blend: number[][]; labels: number[][] }>();
const push = (m: Map<string, Map<string, Cell[]>>, row: string, col: string, c: Cell) => {
  if (!m.has(row)) m.set(row, new Map());
  const r = m.get(row)!;
  if (!r.has(col)) r.set(col, []);
  r.get(col)!.push(c);
};
const t0 = performance.now();
const foldInfo: { test: number; groups: string[] }[] = [];

for (let f = 0; f < folds.length; f++) {
  const test = folds[f],
    train = complement(ds.features.length, test);
  foldInfo.push({ test: test.length, groups: [...new Set(test.map((i) => ds.groups[i]))] });
  const yTest = test.map((i) => ds.labels[i]);
  const weights = supportWeights(
    train.map((i) => ds.labels[i]),
    R.blendN0,
  );
  // training k for the 10% column: the median 10% of the training videos
  const tenths = train.map((i) => kForFraction(ds.features[i].length, 0.1)).sort((x, y) => x - y);
  const kTenth = tenths[Math.floor(tenths.length / 2)];
  log(
    `fold ${f + 1}/${folds.length}: ${train.length} train / ${test.length} test videos (${foldInfo[f].groups.length} groups); 10% ⇒ train k=${kTenth}`,
  );

  const teachers = new Map<Family, VideoModel>();
  const teacherOf = async (fam: Family) => {
    if (!teachers.has(fam)) {
      const t1 = performance.now();
      teachers.set(fam, await fitTeacher(ds, train, recipeOf(fam)));
      log(`  ${fam} teacher trained in ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    }
    return teachers.get(fam)!;
  };

  const record = (spec: Spec, col: string, s: Scored, flopsOf: (frames: number) => number) => {
    const b = s.probs.map((p, i) => blend(p, s.detector[i], weights));
    const cost = { flops: mean(s.frames.map(flopsOf)), seconds: spf * mean(s.frames) + s.modelSeconds, frames: mean(s.frames) };
    const mk = (p: number[][]): Cell => {
      const e = evaluate(p, yTest);
      return { gap: e.gap, map: e.map, hit1: e.hit1, ...cost };
    };
    push(pure, spec.name, col, mk(s.probs));
    push(blended, spec.name, col, mk(b));
    const key = `${spec.name}|${col}`;
    if (!pooled.has(key)) pooled.set(key, { pure: [], blend: [], labels: [] });
    const P = pooled.get(key)!;
    P.pure.push(...s.probs);
    P.blend.push(...b);
    P.labels.push(...yTest);
  };

  for (const spec of specs) {
    const cols = columns.filter((c) => !spec.only || spec.only.includes(c.k));
    if (!cols.length) continue;
    const evalRng = () => makeRng(seed + 1000 * (f + 1));
    if (spec.kind === 'teacher' || spec.kind === 'detector-all') {
      const model = spec.kind === 'teacher' ? await teacherOf(spec.family) : null;
      const s = runOn(model, ds, test, (n) => framesFor(n, null, 'uniform', evalRng()));
      for (const c of cols)
        record(
          spec,
          c.key,
          s,
          model ? (n) => videoPipelineFlops(model.config, n).total : (n) => n * frameCnnFlops({ embedding: false, scores: true }),
        );
      continue;
    }
    if (spec.kind === 'detector') {
      for (const c of cols) {
        const rng = evalRng();
        record(
          spec,
          c.key,
          runOn(null, ds, test, (n) => framesFor(n, c.k, spec.strategy!, rng)),
          (n) => n * frameCnnFlops({ embedding: false, scores: true }),
        );
      }
      continue;
    }
    // students: one model per distinct training k, evaluated in every column that uses it
    const byTrainK = new Map<number, typeof cols>();
    for (const c of cols) {
      const kt = c.k === 'tenth' ? kTenth : c.k;
      if (!byTrainK.has(kt)) byTrainK.set(kt, []);
      byTrainK.get(kt)!.push(c);
    }
    const teacher = await teacherOf(spec.family);
    for (const [kt, cs] of byTrainK) {
      const t1 = performance.now();
      const student = await fitStudent(teacher, ds, train, recipeOf(spec.family), {
        k: kt,
        strategy: spec.strategy!,
        mode: spec.mode!,
        terms: spec.terms!,
      });
      for (const c of cs) {
        const rng = evalRng();
        record(
          spec,
          c.key,
          runOn(student, ds, test, (n) => framesFor(n, c.k, spec.strategy!, rng)),
          (n) => videoPipelineFlops(student.config, n).total,
        );
      }
      log(
        `  ${spec.name} k=${kt} (${cs.map((c) => c.title).join(', ')}): ${((performance.now() - t1) / 1000).toFixed(0)} s, ` +
          `GAP ${cs.map((c) => blended.get(spec.name)!.get(c.key)!.at(-1)!.gap.toFixed(3)).join('/')} blended`,
      );
      student.dispose();
    }
  }
  for (const t of teachers.values()) t.dispose();
  log(`fold ${f + 1} done at ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  writeOut(result(false), undefined); // partial results survive an interrupted run
}

function mean(x: number[]): number {
  return x.reduce((s, v) => s + v, 0) / Math.max(1, x.length);
}

function rowsOf(m: Map<string, Map<string, Cell[]>>, suffix: (s: Spec) => string): TableRow[] {
  return specs
    .filter((s) => m.has(s.name))
    .map((s) => ({
      name: `${s.name}${suffix(s)}`,
      section: s.section,
      cells: Object.fromEntries(columns.map((c) => [c.key, meanCell(m.get(s.name)!.get(c.key) ?? [])])),
    }));
}

function result(done: boolean) {
  const useBlend = R.blendN0 > 0;
  const blendTag = (s: Spec) => (useBlend && s.kind !== 'detector' && s.kind !== 'detector-all' ? ` + det-blend(n0=${R.blendN0})` : '');
  const main = rowsOf(useBlend ? blended : pure, blendTag);
  const pureRows = rowsOf(pure, () => '');
  const targets = (rows: TableRow[]) => targetsOf(rows, columns, `${FAM[mainFamily]} teacher`);
  const pooledMetrics = Object.fromEntries(
    [...pooled].map(([k, v]) => {
      const p = evaluate(v.pure, v.labels),
        b = evaluate(v.blend, v.labels);
      return [k, { pure: { gap: p.gap, map: p.map, hit1: p.hit1 }, blended: { gap: b.gap, map: b.map, hit1: b.hit1 } }];
    }),
  );
  return {
    date: new Date().toISOString(),
    complete: done,
    foldsDone: foldInfo.length,
    command: `npm run bench:accuracy -- ${process.argv.slice(2).join(' ')}`.trim(),
    data: {
      dataDir: loc.dataDir,
      labelsCsv: loc.labelsCsv,
      labelsSha256: labelsSha,
      videos: ds.videos.length,
      groups: new Set(ds.groups).size,
      unlabeled: ds.unlabeled,
    },
    timing: { teacherSecondsPerFrame: spfT, studentSecondsPerFrame: spfS, minutes: (performance.now() - t0) / 60000 },
    recipe: R,
    mainFamily,
    mainFamilyName: FAM[mainFamily],
    extraFamilies,
    folds: foldInfo,
    columns,
    rows: main,
    pureRows,
    targets: targets(main),
    targetsPure: targets(pureRows),
    pooled: pooledMetrics,
  };
}

const res = result(true);
const md = reportMarkdown(res);
writeOut(res, md);
process.stdout.write(`${md}\n`);
log(`bench:accuracy done in ${res.timing.minutes.toFixed(1)} min → ${path.join(outDir, 'accuracy.json')}, accuracy.md`);
