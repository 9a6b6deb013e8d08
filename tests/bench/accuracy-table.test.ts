import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  blend,
  type Cell,
  complement,
  costMarkdown,
  defaultRecipe,
  framesFor,
  groupedFolds,
  meanCell,
  mergeReports,
  reportMarkdown,
  supportWeights,
  tableMarkdown,
  targetsOf,
} from './accuracy-lib.ts';
import { detectorMaxPool } from '../../main/ml/pooling.ts';
import { makeRng } from '../../main/ml/rng.ts';

test('groupedFolds: every video in exactly one fold, groups never split, folds balanced, deterministic', () => {
  // 20 near-duplicates in one group (like the ASL clips) + 23 small groups
  const groups = [...Array(20).fill('asl'), ...Array.from({ length: 30 }, (_, i) => `g${Math.floor(i / 1.3)}`)];
  const folds = groupedFolds(groups, 4, 7);
  assert.equal(folds.length, 4);
  const all = folds.flat().sort((x, y) => x - y);
  assert.deepEqual(
    all,
    groups.map((_, i) => i),
  );
  for (const g of new Set(groups)) {
    const holding = folds.filter((f) => f.some((i) => groups[i] === g));
    assert.equal(holding.length, 1, `group ${g} straddles folds`);
  }
  const sizes = folds.map((f) => f.length).sort((x, y) => x - y);
  assert.equal(sizes[3], 20); // the big group is a fold on its own…
  assert.ok(sizes[2] - sizes[0] <= 2, `small folds unbalanced: ${sizes}`); // …the rest are even
  assert.deepEqual(groupedFolds(groups, 4, 7), folds);
  assert.throws(() => groupedFolds(['a', 'a', 'b'], 3), /cannot fill/);
  assert.deepEqual(complement(6, [1, 4]), [0, 2, 3, 5]);
});

test('meanCell averages every field and skips missing cells', () => {
  const c = (x: number): Cell => ({ gap: x, map: x / 2, hit1: 1 - x, flops: 100 * x, seconds: x, frames: 10 * x });
  const m = meanCell([c(0.2), undefined, c(0.4)])!;
  const want = { gap: 0.3, map: 0.15, hit1: 0.7, flops: 30, seconds: 0.3, frames: 3 };
  for (const [k, v] of Object.entries(want)) assert.ok(Math.abs(m[k as keyof Cell] - v) < 1e-9, `${k}: ${m[k as keyof Cell]} ≠ ${v}`);
  assert.equal(meanCell([undefined]), undefined);
});

test('tableMarkdown / costMarkdown: sections, cells, dashes for missing columns', () => {
  const cell: Cell = { gap: 0.8123, map: 0.5, hit1: 1, flops: 3.2e11, seconds: 12.345, frames: 100 };
  const rows = [
    { name: 'Teacher', section: 'Teacher', cells: { k10: cell, p10: cell } },
    { name: 'Uniform-k', section: 'Baselines', cells: { k10: { ...cell, flops: 2.5e9 } } },
  ];
  const cols = [
    { key: 'k10', title: 'k=10' },
    { key: 'p10', title: '10%' },
  ];
  const md = tableMarkdown(rows, cols).split('\n');
  assert.equal(md[0], '| Method | k=10 GAP / mAP / hit@1 | 10% GAP / mAP / hit@1 |');
  assert.equal(md[1], '|---|---|---|');
  assert.equal(md[2], '| *Teacher* | | |');
  assert.equal(md[3], '| Teacher | 0.812 / 0.500 / 1.000 | 0.812 / 0.500 / 1.000 |');
  assert.equal(md[4], '| *Baselines* | | |');
  assert.equal(md[5], '| Uniform-k | 0.812 / 0.500 / 1.000 | – |');
  const cost = costMarkdown(rows, cols).split('\n');
  assert.equal(cost[2], '| Teacher | 320.0G / 12.35 | 320.0G / 12.35 |');
  assert.equal(cost[3], '| Uniform-k | 2.5G / 12.35 | – |');
});

test('detector max-pool, support weights and blend', () => {
  // the benchmark's baseline (runOn) is the app's detector max-pool: class scores are the tail of each frame vector
  const f = (scores: number[]) => [...new Array(1280).fill(9), ...scores];
  assert.deepEqual(Array.from(detectorMaxPool([f([0.1, 0.7]), f([0.5, 0.2])], 2)), [0.5, 0.7]);
  assert.deepEqual(
    Array.from(
      detectorMaxPool(
        [
          [0.1, 0.7],
          [0.5, 0.2],
        ],
        2,
      ),
    ),
    [0.5, 0.7],
  ); // embedding skipped (evidence scans)
  const w = supportWeights(
    [
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 0],
      [1, 0, 0],
    ],
    4,
  );
  assert.deepEqual(w, [0.5, 0.2, 0]);
  assert.deepEqual(supportWeights([[1, 0]], 0), [1, 1]);
  blend([1, 1, 1], [0, 0.5, 0.25], w).forEach((x, i) => assert.ok(Math.abs(x - [0.5, 0.6, 0.25][i]) < 1e-12));
});

test('framesFor: all frames, k frames, 10% of frames', () => {
  assert.deepEqual(framesFor(4, null, 'uniform', makeRng(1)), [0, 1, 2, 3]);
  assert.deepEqual(framesFor(100, 'tenth', 'uniform', makeRng(1)), [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]); // segment centres
  assert.equal(framesFor(64, 'tenth', 'first', makeRng(1)).length, 6);
  assert.deepEqual(framesFor(30, 6, 'uniform', makeRng(1)), [2, 7, 12, 17, 22, 27]);
});

test('mergeReports joins columns of reports run separately and recomputes the targets', () => {
  const c = (gap: number, flops = 100): Cell => ({ gap, map: gap, hit1: gap, flops, seconds: 1, frames: 6 });
  const base = { command: 'x', data: { videos: 3 }, folds: [1, 2], recipe: defaultRecipe('netvlad'), mainFamilyName: 'NetVLAD' };
  const A = {
    ...base,
    columns: [
      { key: 'k6', title: 'k=6' },
      { key: 'p10', title: '10%' },
    ],
    rows: [
      { name: 'NetVLAD teacher', section: 'T', cells: { k6: c(0.7, 1000), p10: c(0.7, 1000) } },
      { name: 'Serial L_rep,L_pred,L_CE', section: 'Teacher–student', cells: { k6: c(0.69), p10: c(0.69) } },
      { name: 'Uniform-k', section: 'B', cells: { k6: c(0.6), p10: c(0.6) } },
    ],
    pureRows: [],
    targets: targetsOf([], [], ''),
  };
  const B = {
    ...base,
    columns: [{ key: 'k30', title: 'k=30' }],
    rows: [
      { name: 'Serial L_rep,L_pred,L_CE', section: 'Teacher–student', cells: { k30: c(0.5) } },
      { name: 'Uniform-k', section: 'B', cells: { k30: c(0.55) } },
    ],
    pureRows: [],
    targets: targetsOf([], [], ''),
  };
  const m = mergeReports([A, B], 'NetVLAD teacher');
  assert.deepEqual(
    m.columns.map((x) => x.key),
    ['k6', 'k30', 'p10'],
  );
  assert.deepEqual(Object.keys(m.rows[1].cells).sort(), ['k30', 'k6', 'p10']);
  assert.equal(m.targets.studentBeatsUniform.k6?.met, true);
  assert.equal(m.targets.studentBeatsUniform.k30?.met, false);
  assert.ok(Math.abs(m.targets.tenthGapWithin002!.gapDrop - 0.01) < 1e-9);
  assert.equal(m.targets.tenthFlopsShare!.share, 0.1);
  // the report states each target with its verdict, per column in the merged order
  const md = reportMarkdown(m).split('\n');
  assert.ok(
    md.includes('- Distilled student (Serial L_rep,L_pred,L_CE) vs Uniform-k, GAP: k6 +0.090 ✓, k30 -0.050 ✗, p10 +0.090 ✓'),
    md.join('\n'),
  );
  assert.ok(md.includes('- k = 10%: teacher GAP 0.700, student 0.690 (drop 0.010; target ≤ 0.02) ✓'));
  assert.ok(md.includes("- k = 10%: student FLOPs 10.0% of the teacher's (target ≤ 12%) ✓"));
});
