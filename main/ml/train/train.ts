/**
 * Teacher and student training (serial: frozen teacher; parallel: teacher and student trained jointly).
 * Adam, seeded everything, per-epoch progress, early stopping on a held-out split with best-weight restore.
 */
import * as tf from '@tensorflow/tfjs';
import { COCO80 } from '../../../shared/coco.ts';
import { DEFAULT_FEATURES, type FeatureSpec } from '../features.ts';
import { agreement, evaluate } from '../metrics.ts';
import { makeRng, type Rng } from '../rng.ts';
import { disposeBatch } from '../video/batch.ts';
import type { Family, makeConfig } from '../video/config.ts';
import { type Strategy, VideoModel } from '../video/model.ts';
import { selectFrames } from './frames.ts';
import { bce, type LossTerm, type PredLoss, type RepLoss, type StudentLossOptions, studentLoss } from './losses.ts';
import { montage, type MontageOptions } from './montage.ts';

export interface TrainData {
  /** per video, per frame: the cached raw vector ([embedding | class scores] by default) */
  features: ArrayLike<number>[][];
  /** per video, multi-hot over the label set */
  labels: number[][];
  /** optional source id per video: videos sharing a group never straddle the train/validation split */
  groups?: string[];
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  /** validation loss terms (student only) */
  parts?: { ce: number; rep: number; pred: number };
  seconds: number;
  best: boolean;
}

export interface CommonOptions {
  seed?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** epochs without validation improvement before stopping */
  patience?: number;
  /** held-out share for early stopping (0 = no early stopping, train all epochs) */
  valFraction?: number;
  /** explicit held-out videos (overrides valFraction) */
  valIndices?: number[];
  /** teacher frames per video are uniformly subsampled to at most this many (the paper padded to 300) */
  maxFrames?: number;
  /** synthetic montage videos added to the training split */
  montage?: MontageOptions;
  /** class names stored in the manifest */
  labelNames?: string[];
  onEpoch?: (r: EpochReport) => void;
}

export type ModelOverrides = Parameters<typeof makeConfig>[3];

export interface TeacherOptions extends CommonOptions {
  family?: Family;
  features?: FeatureSpec;
  config?: ModelOverrides;
}

export interface StudentOptions extends CommonOptions {
  k: number;
  strategy?: Strategy;
  mode?: 'serial' | 'parallel';
  alpha?: number;
  beta?: number;
  lossTerms?: LossTerm[];
  rep?: RepLoss;
  pred?: PredLoss;
  /** student architecture overrides; default: the teacher's config (the paper uses the same architecture) */
  config?: ModelOverrides;
}

const DEFAULTS = { seed: 1, epochs: 40, batchSize: 16, learningRate: 2e-3, patience: 6, valFraction: 0.15, maxFrames: 300 };

/** Group-aware random split. */
export function splitIndices(n: number, rng: Rng, valFraction: number, groups?: string[]): { train: number[]; val: number[] } {
  if (valFraction <= 0 || n < 2) return { train: Array.from({ length: n }, (_, i) => i), val: [] };
  const keys = groups ?? Array.from({ length: n }, (_, i) => String(i));
  const unique = rng.shuffle([...new Set(keys)].sort());
  const valKeys = new Set<string>();
  let count = 0;
  for (const g of unique) {
    if (count >= Math.max(1, Math.round(n * valFraction))) break;
    if (valKeys.size === unique.length - 1) break; // keep at least one group for training
    valKeys.add(g);
    count += keys.filter((k) => k === g).length;
  }
  const train: number[] = [],
    val: number[] = [];
  keys.forEach((k, i) => (valKeys.has(k) ? val : train).push(i));
  return { train, val };
}

function cap<T>(frames: T[], max: number): T[] {
  return frames.length <= max ? frames : selectFrames(frames.length, max, 'uniform').map((i) => frames[i]);
}

interface Prepared {
  frames: Float32Array[][];
  labels: number[][];
  train: number[];
  val: number[];
}

/** Split, montage (training split only), cap frames, normalise once. */
function prepare(model: VideoModel, data: TrainData, o: CommonOptions, rng: Rng): Prepared {
  const n = data.features.length;
  if (data.labels.length !== n) throw new Error(`${n} videos but ${data.labels.length} label rows`);
  const split = o.valIndices
    ? { val: [...o.valIndices], train: [...Array(n).keys()].filter((i) => !o.valIndices!.includes(i)) }
    : splitIndices(n, rng.fork(), o.valFraction ?? DEFAULTS.valFraction, data.groups);
  const feats = [...data.features],
    labels = [...data.labels];
  const train = [...split.train];
  if (o.montage?.count) {
    const m = montage(
      { features: split.train.map((i) => data.features[i]), labels: split.train.map((i) => data.labels[i]) },
      rng.fork(),
      o.montage,
    );
    m.features.forEach((f, j) => {
      train.push(feats.length);
      feats.push(f);
      labels.push(m.labels[j]);
    });
  }
  const max = o.maxFrames ?? DEFAULTS.maxFrames;
  return { frames: model.prepare(feats.map((f) => cap(f, max))), labels, train, val: split.val };
}

function batches(order: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}

const rows = <T>(a: T[], idx: number[]): T[] => idx.map((i) => a[i]);
const t2 = (r: ArrayLike<number>[]): tf.Tensor2D => tf.tensor2d(r.map((x) => Array.from(x)));

/** Best-weights bookkeeping shared by all loops. */
class BestKeeper {
  private best = Infinity;
  private saved: tf.Tensor[] | null = null;
  bestEpoch = 0;
  constructor(private vars: tf.Variable[]) {}
  offer(loss: number, epoch: number): boolean {
    if (!(loss < this.best - 1e-6)) return false;
    this.best = loss;
    this.bestEpoch = epoch;
    this.saved?.forEach((t) => t.dispose());
    this.saved = this.vars.map((v) => v.clone());
    return true;
  }
  restore(): void {
    if (!this.saved) return;
    this.vars.forEach((v, i) => v.assign(this.saved![i]));
    this.saved.forEach((t) => t.dispose());
    this.saved = null;
  }
}

async function epochLoop(
  o: CommonOptions,
  keeper: BestKeeper,
  hasVal: boolean,
  runEpoch: (epoch: number) => number,
  validate: () => { loss: number; parts?: EpochReport['parts'] },
): Promise<number> {
  const epochs = o.epochs ?? DEFAULTS.epochs,
    patience = o.patience ?? DEFAULTS.patience;
  let since = 0,
    ran = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const trainLoss = runEpoch(epoch);
    const v = hasVal ? validate() : null;
    const best = v ? keeper.offer(v.loss, epoch) : false;
    since = best ? 0 : since + 1;
    ran = epoch;
    o.onEpoch?.({ epoch, trainLoss, valLoss: v?.loss ?? null, parts: v?.parts, seconds: (performance.now() - t0) / 1000, best });
    await new Promise((r) => setImmediate(r)); // let the app's event loop breathe between epochs
    if (hasVal && since >= patience) break;
  }
  if (hasVal) keeper.restore();
  return ran;
}

function teacherStep(model: VideoModel, opt: tf.Optimizer, frames: Float32Array[][], labels: number[][], rng: Rng): number {
  const batch = model.makeBatch(frames);
  const y = t2(labels);
  const cost = opt.minimize(() => bce(model.forward(batch, rng).probs, y), true, model.variables());
  const v = cost!.dataSync()[0];
  cost!.dispose();
  y.dispose();
  disposeBatch(batch);
  return v;
}

function meanLoss(model: VideoModel, frames: Float32Array[][], labels: number[][]): number {
  const { probs } = model.run(frames);
  return tf.tidy(() => bce(t2(probs), t2(labels)).dataSync()[0]);
}

function finishMeta(model: VideoModel, o: CommonOptions, extra: Record<string, unknown>): void {
  model.meta.labels = o.labelNames ?? (model.config.numClasses === COCO80.length ? [...COCO80] : undefined);
  model.meta.created = new Date().toISOString();
  model.meta.training = { ...model.meta.training, ...extra };
}

/** Teacher: binary cross-entropy on labels over all frames. */
/** One epoch: the training videos shuffled into batches, `step` run on each; the mean of its losses. */
function meanOverBatches(shuffle: Rng, train: number[], batchSize: number, step: (batch: number[]) => number): number {
  const bl = batches(shuffle.shuffle([...train]), batchSize);
  let sum = 0;
  for (const b of bl) sum += step(b);
  return sum / bl.length;
}

export async function trainTeacher(data: TrainData, o: TeacherOptions = {}): Promise<VideoModel> {
  const seed = o.seed ?? DEFAULTS.seed;
  const rng = makeRng(seed);
  const features = o.features ?? DEFAULT_FEATURES;
  const model = VideoModel.create(o.family ?? 'hrnn', features, data.labels[0].length, seed, o.config ?? {}, { role: 'teacher' });
  const P = prepare(model, data, o, rng);
  const opt = tf.train.adam(o.learningRate ?? DEFAULTS.learningRate);
  const keeper = new BestKeeper(model.variables());
  const shuffle = rng.fork(),
    drop = rng.fork();
  const bs = o.batchSize ?? DEFAULTS.batchSize;
  const t0 = performance.now();
  const epochs = await epochLoop(
    o,
    keeper,
    P.val.length > 0,
    () => meanOverBatches(shuffle, P.train, bs, (b) => teacherStep(model, opt, rows(P.frames, b), rows(P.labels, b), drop)),
    () => ({ loss: meanLoss(model, rows(P.frames, P.val), rows(P.labels, P.val)) }),
  );
  opt.dispose();
  if (P.val.length)
    model.meta.metrics = {
      split: 'validation',
      videos: P.val.length,
      ...evaluate(model.run(rows(P.frames, P.val)).probs, rows(P.labels, P.val)),
    };
  finishMeta(model, o, {
    seed,
    epochs,
    bestEpoch: keeper.bestEpoch,
    seconds: (performance.now() - t0) / 1000,
    trainVideos: P.train.length,
    maxFrames: o.maxFrames ?? DEFAULTS.maxFrames,
  });
  return model;
}

function lossOptions(o: StudentOptions): StudentLossOptions {
  return {
    alpha: o.alpha ?? 1,
    beta: o.beta ?? 1,
    terms: o.lossTerms ?? ['ce', 'rep', 'pred'],
    rep: o.rep ?? 'mse',
    pred: o.pred ?? 'mse',
  };
}

/**
 * Student on k frames. Serial: `teacher` is frozen. Parallel: a fresh teacher with `teacher`'s architecture
 * is trained jointly (use trainJoint to keep it); the passed teacher is left untouched.
 */
export async function trainStudent(teacher: VideoModel, data: TrainData, o: StudentOptions): Promise<VideoModel> {
  if ((o.mode ?? 'serial') === 'serial') return (await runStudent(teacher, false, data, o)).student;
  const fresh = new VideoModel(teacher.config, teacher.features, (o.seed ?? DEFAULTS.seed) + 7, { role: 'teacher' });
  const { student } = await runStudent(fresh, true, data, o);
  fresh.dispose();
  return student;
}

/** Parallel mode returning both networks (the teacher trained by its own CE alongside the student). */
export async function trainJoint(
  data: TrainData,
  o: StudentOptions & { teacher?: TeacherOptions },
): Promise<{ teacher: VideoModel; student: VideoModel }> {
  const seed = o.seed ?? DEFAULTS.seed;
  const t = o.teacher ?? {};
  const teacher = VideoModel.create(t.family ?? 'hrnn', t.features ?? DEFAULT_FEATURES, data.labels[0].length, seed + 7, t.config ?? {}, {
    role: 'teacher',
  });
  const r = await runStudent(teacher, true, data, { ...o, mode: 'parallel' });
  finishMeta(teacher, o, { seed, mode: 'parallel' });
  return r;
}

async function runStudent(
  teacher: VideoModel,
  joint: boolean,
  data: TrainData,
  o: StudentOptions,
): Promise<{ teacher: VideoModel; student: VideoModel }> {
  const seed = o.seed ?? DEFAULTS.seed;
  const rng = makeRng(seed + 1);
  const strategy = o.strategy ?? 'uniform';
  const lo = lossOptions(o);
  const student = new VideoModel(
    o.config
      ? ({ ...teacher.config, ...o.config, head: { ...teacher.config.head, ...(o.config.head ?? {}) } } as typeof teacher.config)
      : teacher.config,
    teacher.features,
    seed + 1,
    { role: 'student', k: o.k, strategy },
  );
  const P = prepare(teacher, data, o, rng);
  const shuffle = rng.fork(),
    drop = rng.fork(),
    pick = rng.fork(),
    dropT = rng.fork();
  // random-k is redrawn every epoch (augmentation); validation uses one fixed draw
  const studentFrames = (i: number, r: Rng) => selectFrames(P.frames[i].length, o.k, strategy, r).map((j) => P.frames[i][j]);
  const valRng = makeRng(seed + 2);
  const valStudent = P.val.map((i) => studentFrames(i, valRng));
  // serial: the frozen teacher's outputs are computed once for every video
  let tOut = joint ? null : teacher.run(P.frames);
  const optS = tf.train.adam(o.learningRate ?? DEFAULTS.learningRate);
  const optT = joint ? tf.train.adam(o.learningRate ?? DEFAULTS.learningRate) : null;
  const vars = joint ? [...student.variables(), ...teacher.variables()] : student.variables();
  const keeper = new BestKeeper(vars);
  const bs = o.batchSize ?? DEFAULTS.batchSize;
  const t0 = performance.now();

  const epochs = await epochLoop(
    o,
    keeper,
    P.val.length > 0,
    () =>
      meanOverBatches(shuffle, P.train, bs, (b) => {
        const y = t2(rows(P.labels, b));
        let eT: tf.Tensor2D, pT: tf.Tensor2D;
        if (joint) {
          // one teacher update per step on its own CE; its (pre-update) outputs are the student's targets
          const tb = teacher.makeBatch(rows(P.frames, b));
          let kept: [tf.Tensor2D, tf.Tensor2D] | null = null;
          optT!.minimize(
            () => {
              const f = teacher.forward(tb, dropT);
              kept = [tf.keep(f.E), tf.keep(f.probs)];
              return bce(f.probs, y);
            },
            false,
            teacher.variables(),
          );
          disposeBatch(tb);
          [eT, pT] = kept!;
        } else {
          eT = t2(rows(tOut!.E, b));
          pT = t2(rows(tOut!.probs, b));
        }
        const sb = student.makeBatch(b.map((i) => studentFrames(i, pick)));
        const cost = optS.minimize(
          () => studentLoss(student.forward(sb, drop), { E: eT, probs: pT }, y, lo).total,
          true,
          student.variables(),
        );
        const loss = cost!.dataSync()[0];
        cost!.dispose();
        eT.dispose();
        pT.dispose();
        y.dispose();
        disposeBatch(sb);
        return loss;
      }),
    () => {
      const T = joint ? teacher.run(rows(P.frames, P.val)) : { E: rows(tOut!.E, P.val), probs: rows(tOut!.probs, P.val) };
      const S = student.run(valStudent);
      const parts = tf.tidy(() => {
        const l = studentLoss({ E: t2(S.E), probs: t2(S.probs) }, { E: t2(T.E), probs: t2(T.probs) }, t2(rows(P.labels, P.val)), lo);
        return { total: l.total.dataSync()[0], ce: l.ce.dataSync()[0], rep: l.rep.dataSync()[0], pred: l.pred.dataSync()[0] };
      });
      return { loss: parts.total, parts: { ce: parts.ce, rep: parts.rep, pred: parts.pred } };
    },
  );
  optS.dispose();
  optT?.dispose();
  if (P.val.length) {
    const sp = student.run(valStudent).probs,
      tp = teacher.run(rows(P.frames, P.val)).probs,
      yv = rows(P.labels, P.val);
    student.meta.metrics = {
      split: 'validation',
      videos: P.val.length,
      ...evaluate(sp, yv),
      teacher: evaluate(tp, yv),
      agreement: agreement(tp, sp),
    };
  }
  tOut = null;
  finishMeta(student, o, {
    seed,
    mode: joint ? 'parallel' : 'serial',
    k: o.k,
    strategy,
    ...lo,
    epochs,
    bestEpoch: keeper.bestEpoch,
    seconds: (performance.now() - t0) / 1000,
    trainVideos: P.train.length,
  });
  return { teacher, student };
}

/**
 * The no-teacher baseline (the paper's Uniform-k, Random-k, …): the student architecture trained on k frames
 * with L_CE only. A teacher is still needed for the architecture and features but never influences the loss.
 */
export async function trainBaseline(template: VideoModel, data: TrainData, o: StudentOptions): Promise<VideoModel> {
  return trainStudent(template, data, { ...o, mode: 'serial', lossTerms: ['ce'] });
}
