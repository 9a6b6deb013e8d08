import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreement, averagePrecision, gap, hitAt1, meanAP, perr, precisionRecallAt } from '../../main/ml/metrics.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

// 2 videos × 3 classes. Pooled (score,label): .9✓ .8✗ .7✓ .6✗ .3✓ .1✗ ; 3 positives in total
const preds = [
  [0.9, 0.8, 0.1],
  [0.3, 0.6, 0.7],
];
const labels = [
  [1, 0, 0],
  [1, 0, 1],
];

test('GAP: hand-computed pooled AP', () => {
  // precision at each hit: 1/1, 2/3, 3/5 → (1 + 2/3 + 3/5) / 3
  close(gap(preds, labels), (1 + 2 / 3 + 3 / 5) / 3);
});

test('GAP@k: truncation drops positives but keeps them in the denominator', () => {
  // top-1 per video: (.9✓), (.7✓) → both hits at ranks 1,2 → (1 + 1) / 3
  close(gap(preds, labels, 1), 2 / 3);
});

test('AP: numPositives larger than listed hits', () => {
  close(averagePrecision([{ score: 1, positive: true }], 2), 0.5);
  close(averagePrecision([], 0), 0);
});

test('mAP: present classes vs all classes', () => {
  // class 0: scores .9✓ .3✓ → AP 1; class 1: no positives; class 2: .7✓ .1✗ → AP 1
  close(meanAP(preds, labels), 1);
  close(meanAP(preds, labels, { classes: 'all' }), 2 / 3);
  // class 0 ranked badly: scores .2✓ (v0), .5✗ (v1) → AP = (1/2)/1
  close(
    meanAP(
      [
        [0.2, 0.9],
        [0.5, 0.1],
      ],
      [
        [1, 0],
        [0, 1],
      ],
    ),
    (0.5 + 0.5) / 2,
  );
});

test('hit@1 and PERR', () => {
  close(hitAt1(preds, labels), 1); // v0 top = class 0 ✓, v1 top (.7) = class 2 ✓
  close(
    hitAt1(
      [
        [0.9, 0.8, 0.1],
        [0.3, 0.8, 0.7],
      ],
      labels,
    ),
    1 / 2,
  ); // v1 top is now class 1 ✗
  // v0: 1 label, top-1 = {0} ✓ → 1; v1: 2 labels, top-2 = {2,1} → 1/2
  close(perr(preds, labels), (1 + 0.5) / 2);
});

test('precision/recall at threshold (micro)', () => {
  const r = precisionRecallAt(preds, labels, 0.5); // on: .9✓ .8✗ .6✗ .7✓ ; missed: .3
  assert.deepEqual([r.tp, r.fp, r.fn], [2, 2, 1]);
  close(r.precision, 0.5);
  close(r.recall, 2 / 3);
  close(r.f1, (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3));
});

test('student-vs-teacher agreement', () => {
  const t = [
    [0.9, 0.6, 0.1],
    [0.2, 0.1, 0.3],
  ];
  const s = [
    [0.7, 0.2, 0.1],
    [0.6, 0.1, 0.3],
  ];
  const a = agreement(t, s, 0.5);
  close(a.top1, 0.5);
  close(a.meanAbsDiff, (0.2 + 0.4 + 0 + 0.4 + 0 + 0) / 6);
  // v0: T={0,1}, S={0} → 1/2; v1: T={}, S={0} → 0
  close(a.jaccard, 0.25);
});
