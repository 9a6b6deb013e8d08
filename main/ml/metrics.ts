/**
 * Video-level multi-label metrics, following the YouTube-8M starter code (eval_util.py,
 * average_precision_calculator.py) so our numbers are comparable with the paper's Table 1.
 * All functions are pure; `preds` and `labels` are per video, per class.
 */
export type Rows = ArrayLike<number>[];

/** Indices of the k highest scores (ties keep the lower class index first, for determinism). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.min(k, idx.length));
}

/**
 * Non-interpolated AP of (score, isPositive) pairs with an explicit positive count: positives that never made
 * it into the list (dropped by the top-k truncation) still count in the recall denominator, as in YT-8M.
 */
export function averagePrecision(pairs: { score: number; positive: boolean }[], numPositives: number): number {
  if (numPositives <= 0) return 0;
  const sorted = [...pairs].sort((a, b) => b.score - a.score);
  let hits = 0;
  let ap = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (!sorted[i].positive) continue;
    hits++;
    ap += hits / (i + 1) / numPositives;
  }
  return ap;
}

function countPositives(labels: Rows): number {
  let n = 0;
  for (const row of labels) for (let c = 0; c < row.length; c++) if (row[c] > 0.5) n++;
  return n;
}

/** GAP@k: top-k per video, pooled over all videos, AP against the total number of true labels. */
export function gap(preds: Rows, labels: Rows, k = 20): number {
  const pairs: { score: number; positive: boolean }[] = [];
  preds.forEach((p, v) => {
    for (const c of topK(p, k)) pairs.push({ score: p[c], positive: labels[v][c] > 0.5 });
  });
  return averagePrecision(pairs, countPositives(labels));
}

export interface MapOptions {
  k?: number;
  /**
   * 'present' (default): average over classes with ≥1 positive in the eval set. Our held-out sets are tiny
   * (tens of clips, 80 classes), so most classes are absent and YT-8M's 'all' variant (absent classes score 0)
   * mostly measures which classes happened to be in the split, not the model.
   * 'all': YT-8M's definition, numpy.mean over every class.
   */
  classes?: 'present' | 'all';
}

/** Per-class AP over the sparse top-k predictions, averaged over classes (see MapOptions.classes). */
export function meanAP(preds: Rows, labels: Rows, opts: MapOptions = {}): number {
  const k = opts.k ?? 20;
  const numClasses = labels[0]?.length ?? 0;
  const perClass: { score: number; positive: boolean }[][] = Array.from({ length: numClasses }, () => []);
  const positives = new Array<number>(numClasses).fill(0);
  preds.forEach((p, v) => {
    for (const c of topK(p, k)) perClass[c].push({ score: p[c], positive: labels[v][c] > 0.5 });
    for (let c = 0; c < numClasses; c++) if (labels[v][c] > 0.5) positives[c]++;
  });
  const aps: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    if (positives[c] === 0 && (opts.classes ?? 'present') === 'present') continue;
    aps.push(averagePrecision(perClass[c], positives[c]));
  }
  return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : 0;
}

/** Fraction of videos whose top-scoring class is a true label. */
export function hitAt1(preds: Rows, labels: Rows): number {
  if (!preds.length) return 0;
  let hits = 0;
  preds.forEach((p, v) => {
    if (labels[v][topK(p, 1)[0]] > 0.5) hits++;
  });
  return hits / preds.length;
}

/** Precision at equal recall rate: per video, precision of the top-n where n = its number of true labels. */
export function perr(preds: Rows, labels: Rows): number {
  let sum = 0;
  let n = 0;
  preds.forEach((p, v) => {
    const pos = Array.from(labels[v]).filter((y) => y > 0.5).length;
    if (!pos) return; // YT-8M skips videos without labels
    sum += topK(p, pos).filter((c) => labels[v][c] > 0.5).length / pos;
    n++;
  });
  return n ? sum / n : 0;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Micro-averaged precision/recall of the tag sets {c : p_c ≥ threshold} (what the app actually shows). */
export function precisionRecallAt(preds: Rows, labels: Rows, threshold = 0.5): PrecisionRecall {
  let tp = 0,
    fp = 0,
    fn = 0;
  preds.forEach((p, v) => {
    for (let c = 0; c < p.length; c++) {
      const on = p[c] >= threshold;
      const y = labels[v][c] > 0.5;
      if (on && y) tp++;
      else if (on) fp++;
      else if (y) fn++;
    }
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, tp, fp, fn };
}

export interface Agreement {
  /** fraction of videos where student and teacher rank the same class first */
  top1: number;
  /** mean over videos and classes of |p_T − p_S| */
  meanAbsDiff: number;
  /** mean over videos of |T∩S| / |T∪S| of the thresholded tag sets (both empty counts as 1) */
  jaccard: number;
}

/** How closely the student reproduces the teacher: the app cares about tags, not only ranking. */
export function agreement(teacher: Rows, student: Rows, threshold = 0.5): Agreement {
  const n = teacher.length;
  if (!n) return { top1: 0, meanAbsDiff: 0, jaccard: 0 };
  let top1 = 0,
    absSum = 0,
    absN = 0,
    jac = 0;
  for (let v = 0; v < n; v++) {
    const t = teacher[v],
      s = student[v];
    if (topK(t, 1)[0] === topK(s, 1)[0]) top1++;
    let inter = 0,
      uni = 0;
    for (let c = 0; c < t.length; c++) {
      absSum += Math.abs(t[c] - s[c]);
      absN++;
      const a = t[c] >= threshold,
        b = s[c] >= threshold;
      if (a && b) inter++;
      if (a || b) uni++;
    }
    jac += uni ? inter / uni : 1;
  }
  return { top1: top1 / n, meanAbsDiff: absSum / absN, jaccard: jac / n };
}

export interface MetricReport {
  gap: number;
  map: number;
  mapAll: number;
  hit1: number;
  perr: number;
  pr: PrecisionRecall;
}

/** The bundle the benchmark and manifests record. */
export function evaluate(preds: Rows, labels: Rows, threshold = 0.5): MetricReport {
  return {
    gap: gap(preds, labels),
    map: meanAP(preds, labels),
    mapAll: meanAP(preds, labels, { classes: 'all' }),
    hit1: hitAt1(preds, labels),
    perr: perr(preds, labels),
    pr: precisionRecallAt(preds, labels, threshold),
  };
}
