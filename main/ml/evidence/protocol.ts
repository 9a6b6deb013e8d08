/**
 * How evidence models are trained, thresholded and scored: one place used by the accuracy benchmark, the script
 * that builds the shipped models and `glimpse train`, so the numbers a manifest reports come from exactly the
 * procedure that produced it.
 */
import { nearestFrames, uniformTimes } from '../../media/sampling.ts';
import { gap, hitAt1, meanAP, precisionRecallAt, type PrecisionRecall } from '../metrics.ts';
import { makeRng } from '../rng.ts';
import {
  type EvidenceParams,
  fit,
  type FitExample,
  type FitOptions,
  parameterCount,
  probabilities,
  STUDENT_FIT,
  TEACHER_FIT,
} from './model.ts';
import { maxPool } from '../pooling.ts';
import { logit, poolEvidence, sigmoid, SUPPORT_SCORE } from './pool.ts';

/** One video as the models see it: the detector's class scores of its teacher-scan frames. */
export interface Clip {
  path: string;
  /** split group: clips of one source never straddle train and test */
  group: string;
  durationS: number;
  /** timestamps of the cached frames, ascending */
  times: number[];
  /** per frame, the detector's class scores */
  scores: ArrayLike<number>[];
  /** human multi-hot labels, or null */
  labels: number[] | null;
}

/** The frames uniform-k looks at among a clip's cached frames (media/sampling.ts is the definition). */
export function uniformPick(clip: Pick<Clip, 'times' | 'durationS'>, k: number): number[] {
  if (k >= clip.times.length) return clip.times.map((_, i) => i);
  const dur = clip.durationS > 0 ? clip.durationS : (clip.times[clip.times.length - 1] ?? 0) + 1e-3;
  return nearestFrames(clip.times, uniformTimes(dur, k));
}

export const framesOf = (clip: Clip, idx: number[] | null): ArrayLike<number>[] => (idx ? idx.map((i) => clip.scores[i]) : clip.scores);

// --------------------------------------------------------------------------------------------- training

export interface Trained {
  teacher: EvidenceParams;
  student: EvidenceParams;
  /** the no-teacher baseline: same model trained with L_CE alone on k frames */
  uniform: EvidenceParams;
}

export interface TrainSpec {
  k: number;
  classes: number;
  teacherFit?: Partial<FitOptions>;
  studentFit?: Partial<FitOptions>;
  /** skip the Uniform-k baseline (shipping does not need it) */
  baseline?: boolean;
  /** which cached frames a k-frame model looks at (default uniform k; also keyframe-nearest, shot-aware) */
  pick?: (clip: Clip) => number[];
}

const pickOf = (s: TrainSpec) => s.pick ?? ((c: Clip) => uniformPick(c, s.k));

/**
 * Teacher on every frame; student distilled from it on k uniform frames. `clips` without labels still teach
 * the student (L_rep + L_pred against the teacher's outputs).
 */
export function trainAll(clips: Clip[], s: TrainSpec): Trained {
  const C = s.classes;
  const evAll = clips.map((c) => poolEvidence(c.scores, C));
  const pick = pickOf(s);
  const evK = clips.map((c) => poolEvidence(framesOf(c, pick(c)), C));
  const teacher = fit(
    clips.flatMap((c, i) => (c.labels ? [{ ev: evAll[i], y: c.labels }] : [])),
    C,
    { ...TEACHER_FIT, ...s.teacherFit },
  );
  const ex: FitExample[] = clips.map((c, i) => ({
    ev: evK[i],
    y: c.labels,
    teacherEv: evAll[i],
    teacherP: probabilities(teacher, evAll[i]),
  }));
  const student = fit(ex, C, { ...STUDENT_FIT, init: teacher, ...s.studentFit });
  const uniform =
    s.baseline === false
      ? teacher
      : fit(
          clips.flatMap((c, i) => (c.labels ? [{ ev: evK[i], y: c.labels }] : [])),
          C,
          { ...TEACHER_FIT, ...s.teacherFit },
        );
  return { teacher, student, uniform };
}

// --------------------------------------------------------------------------------------------- thresholds

/** Fixed in advance: the threshold is the most F1 that keeps precision at or above this on held-out clips. */
export const MIN_PRECISION = 0.87;

/**
 * The decision threshold on calibrated probabilities: best micro-F1 among thresholds whose micro-precision is
 * ≥ minPrecision (the highest-precision one when none is). Chosen on out-of-fold predictions of training clips.
 */
export function chooseThreshold(probs: ArrayLike<number>[], labels: ArrayLike<number>[], minPrecision = MIN_PRECISION): number {
  let best = { t: 0.5, f1: -1, p: -1 };
  let fallback = { t: 0.5, p: -1 };
  for (let i = 5; i <= 95; i++) {
    const t = i / 100; // exact hundredths: the returned threshold is the one that was measured
    const pr = precisionRecallAt(probs, labels, t);
    if (pr.tp + pr.fp === 0) continue;
    if (pr.precision >= minPrecision && pr.f1 > best.f1) best = { t, f1: pr.f1, p: pr.precision };
    if (pr.precision > fallback.p) fallback = { t, p: pr.precision };
  }
  return best.f1 >= 0 ? best.t : fallback.t;
}

/** Pseudo-positives pulling a class's own threshold towards the global one (fixed in advance). */
export const CLASS_THRESHOLD_PRIOR = 10;

/**
 * Per-class thresholds: each class's own best-F1 threshold on out-of-fold predictions, shrunk in log-odds
 * towards the global one by n_c / (n_c + CLASS_THRESHOLD_PRIOR) (n_c = its positives). A class without
 * positives keeps the global threshold: one or two examples cannot place a threshold.
 */
export function perClassThresholds(
  probs: ArrayLike<number>[],
  labels: ArrayLike<number>[],
  global: number,
  prior = CLASS_THRESHOLD_PRIOR,
): number[] {
  const C = labels[0]?.length ?? 0;
  return Array.from({ length: C }, (_, c) => {
    const pos = labels.reduce((a, y) => a + (y[c] > 0.5 ? 1 : 0), 0);
    if (!pos) return global;
    let best = global,
      bestF1 = -1;
    for (let i = 5; i <= 95; i++) {
      const t = i / 100;
      let tp = 0,
        fp = 0;
      probs.forEach((p, v) => {
        if (p[c] >= t) {
          if (labels[v][c] > 0.5) tp++;
          else fp++;
        }
      });
      const f1 = (2 * tp) / (2 * tp + fp + (pos - tp));
      if (f1 > bestF1 + 1e-12 || (Math.abs(f1 - bestF1) <= 1e-12 && Math.abs(t - global) < Math.abs(best - global))) {
        best = t;
        bestF1 = f1;
      }
    }
    const w = pos / (pos + prior);
    return sigmoid(w * logit(best) + (1 - w) * logit(global));
  });
}

/**
 * Tag scores as stored and shown: the calibrated probability shifted in log-odds so the model's threshold (one,
 * or one per class) sits at 0.5, the app's one "tagged" line. With one threshold, ranking within and across
 * classes is unchanged.
 */
export function toTagScores(probs: ArrayLike<number>, threshold: number | ArrayLike<number>): Float64Array {
  const shift = typeof threshold === 'number' ? null : Array.from(threshold, logit);
  const one = typeof threshold === 'number' ? logit(threshold) : 0;
  return Float64Array.from(probs, (p, c) => sigmoid(logit(p) - (shift ? shift[c] : one)));
}

// --------------------------------------------------------------------------------------------- folds

/**
 * Grouped k-fold: every group lands in exactly one fold, folds balanced by clip count (largest groups first,
 * each to the smallest fold; ties by a seeded shuffle). Returns the test indices of each fold.
 */
export function groupedFolds(groups: string[], folds: number, seed = 1): number[][] {
  if (folds < 2) throw new Error('need at least 2 folds');
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push(i);
  });
  if (byGroup.size < folds) throw new Error(`${byGroup.size} groups cannot fill ${folds} folds`);
  const keys = makeRng(seed).shuffle([...byGroup.keys()].sort());
  keys.sort((a, b) => byGroup.get(b)!.length - byGroup.get(a)!.length);
  const out: number[][] = Array.from({ length: folds }, () => []);
  for (const g of keys) {
    let f = 0;
    for (let j = 1; j < folds; j++) if (out[j].length < out[f].length) f = j;
    out[f].push(...byGroup.get(g)!);
  }
  return out.map((f) => f.sort((a, b) => a - b));
}

export const complement = (n: number, test: number[]): number[] => {
  const t = new Set(test);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !t.has(i));
};

// --------------------------------------------------------------------------------------------- methods

export type MethodName = 'teacher' | 'student' | 'uniform' | 'detector' | 'detectorAll';

/** Probabilities of each method on one clip (before thresholding), and the frames it looked at. */
export function predictClip(
  t: Trained | null,
  clip: Clip,
  spec: TrainSpec,
): Record<MethodName, { p: Float64Array; frames: number[] | null }> {
  const C = spec.classes;
  const kIdx = pickOf(spec)(clip);
  const evAll = poolEvidence(clip.scores, C),
    evK = poolEvidence(framesOf(clip, kIdx), C);
  return {
    teacher: { p: t ? probabilities(t.teacher, evAll) : new Float64Array(C), frames: null },
    student: { p: t ? probabilities(t.student, evK) : new Float64Array(C), frames: kIdx },
    uniform: { p: t ? probabilities(t.uniform, evK) : new Float64Array(C), frames: kIdx },
    detector: { p: maxPool(framesOf(clip, kIdx), C), frames: kIdx },
    detectorAll: { p: maxPool(clip.scores, C), frames: null },
  };
}

export const METHODS: MethodName[] = ['teacher', 'student', 'uniform', 'detector', 'detectorAll'];

/**
 * Out-of-fold predictions of `idx` clips by inner grouped CV (models never see the clip they predict), for
 * choosing thresholds inside a training split.
 */
export function outOfFold(
  clips: Clip[],
  idx: number[],
  spec: TrainSpec,
  innerFolds: number,
  seed: number,
): Record<MethodName, Float64Array[]> {
  const out = Object.fromEntries(METHODS.map((m) => [m, new Array<Float64Array>(idx.length)])) as Record<MethodName, Float64Array[]>;
  const groups = idx.map((i) => clips[i].group);
  const nf = Math.min(innerFolds, new Set(groups).size);
  if (nf < 2) {
    idx.forEach((i, j) => {
      const r = predictClip(null, clips[i], spec);
      for (const m of METHODS) out[m][j] = r[m].p;
    });
    return out;
  }
  for (const test of groupedFolds(groups, nf, seed)) {
    const trained = trainAll(
      complement(idx.length, test).map((j) => clips[idx[j]]),
      spec,
    );
    for (const j of test) {
      const r = predictClip(trained, clips[idx[j]], spec);
      for (const m of METHODS) out[m][j] = r[m].p;
    }
  }
  return out;
}

// --------------------------------------------------------------------------------------------- metrics

export interface Scores {
  gap: number;
  map: number;
  hit1: number;
  pr: PrecisionRecall;
  /** share of emitted tags (score ≥ 0.5) whose class no looked-at frame scores ≥ SUPPORT_SCORE */
  unsupported: number;
  emitted: number;
}

/**
 * `tagScores` are per clip after thresholding (0.5 = tagged). `support` per clip: best looked-at frame score
 * per class.
 */
export function score(tagScores: ArrayLike<number>[], labels: number[][], support: ArrayLike<number>[]): Scores {
  let emitted = 0,
    unsupported = 0;
  tagScores.forEach((s, v) => {
    for (let c = 0; c < s.length; c++)
      if (s[c] >= 0.5) {
        emitted++;
        if (support[v][c] < SUPPORT_SCORE) unsupported++;
      }
  });
  return {
    gap: gap(tagScores, labels),
    map: meanAP(tagScores, labels),
    hit1: hitAt1(tagScores, labels),
    pr: precisionRecallAt(tagScores, labels, 0.5),
    unsupported: emitted ? unsupported / emitted : 0,
    emitted,
  };
}

/** Recall per class over the clips, for the classes with the most positives. */
export function perClassRecall(
  tagScores: ArrayLike<number>[],
  labels: number[][],
  names: readonly string[],
  top = 20,
): { tag: string; positives: number; recall: number }[] {
  const C = names.length;
  const pos = new Array<number>(C).fill(0),
    hit = new Array<number>(C).fill(0);
  labels.forEach((y, v) =>
    y.forEach((x, c) => {
      if (x > 0.5) {
        pos[c]++;
        if (tagScores[v][c] >= 0.5) hit[c]++;
      }
    }),
  );
  return names
    .map((tag, c) => ({ tag, positives: pos[c], recall: pos[c] ? hit[c] / pos[c] : 0 }))
    .filter((r) => r.positives > 0)
    .sort((a, b) => b.positives - a.positives || a.tag.localeCompare(b.tag))
    .slice(0, top);
}

// --------------------------------------------------------------------------------------------- cross-validation

export interface CvResult {
  /** per method, per clip (index-aligned with the clips): tag scores (0.5 = tagged) and raw probabilities */
  tags: Record<MethodName, Float64Array[]>;
  raw: Record<MethodName, Float64Array[]>;
  /** per method, per clip: best looked-at frame score per class */
  support: Record<MethodName, Float64Array[]>;
  /** per method: mean frames looked at per clip */
  frames: Record<MethodName, number>;
  /** per method: the threshold each fold chose */
  thresholds: Record<MethodName, number[]>;
  /** free parameters of one student */
  parameters: number;
}

const perMethod = <T>(make: () => T): Record<MethodName, T> => Object.fromEntries(METHODS.map((m) => [m, make()])) as Record<MethodName, T>;

/**
 * Grouped k-fold: every clip is predicted once by models trained (and thresholded, by a nested grouped CV) on
 * the other folds only. `trainable` restricts which training-fold clips may train (e.g. licence-cleared ones for
 * the shipped recipe); test folds always hold every clip. Clips must all be labelled.
 */
export function crossValidate(
  clips: Clip[],
  spec: TrainSpec,
  o: {
    folds: number;
    inner: number;
    seed: number;
    trainable?: (c: Clip) => boolean;
    perClass?: boolean;
    onFold?: (fold: number, thresholds: Record<MethodName, number>) => void;
  },
): CvResult {
  const n = clips.length,
    C = spec.classes;
  const r: CvResult = {
    tags: perMethod(() => new Array<Float64Array>(n)),
    raw: perMethod(() => new Array<Float64Array>(n)),
    support: perMethod(() => new Array<Float64Array>(n)),
    frames: perMethod(() => 0),
    thresholds: perMethod(() => [] as number[]),
    parameters: 0,
  };
  groupedFolds(
    clips.map((c) => c.group),
    o.folds,
    o.seed,
  ).forEach((test, f) => {
    const train = complement(n, test).filter((i) => !o.trainable || o.trainable(clips[i]));
    const trained = trainAll(
      train.map((i) => clips[i]),
      spec,
    );
    r.parameters = parameterCount(trained.student);
    const oof = outOfFold(clips, train, spec, o.inner, o.seed);
    const thr = perMethod(() => 0.5);
    const yTrain = train.map((i) => clips[i].labels!);
    for (const m of METHODS) {
      thr[m] = chooseThreshold(oof[m], yTrain);
      r.thresholds[m].push(thr[m]);
    }
    const cls = o.perClass ? perMethod<number[] | null>(() => null) : null;
    if (cls) for (const m of METHODS) cls[m] = perClassThresholds(oof[m], yTrain, thr[m]);
    for (const i of test) {
      const p = predictClip(trained, clips[i], spec);
      for (const m of METHODS) {
        r.raw[m][i] = p[m].p;
        r.tags[m][i] = toTagScores(p[m].p, cls?.[m] ?? thr[m]);
        r.support[m][i] = maxPool(framesOf(clips[i], p[m].frames), C);
        r.frames[m] += (p[m].frames ? p[m].frames.length : clips[i].scores.length) / n;
      }
    }
    o.onFold?.(f, thr);
  });
  return r;
}
