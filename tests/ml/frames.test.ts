import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FEATURES, frameVector } from '../../main/ml/features.ts';
import { pseudoLabels } from '../../main/ml/pseudo-labels.ts';
import { makeRng } from '../../main/ml/rng.ts';
import { kForFraction, selectFrames } from '../../main/ml/train/frames.ts';
import { montage } from '../../main/ml/train/montage.ts';
import { splitIndices } from '../../main/ml/train/train.ts';

test('frame selection strategies', () => {
  assert.deepEqual(selectFrames(30, 6, 'uniform'), [2, 7, 12, 17, 22, 27]); // segment centres, as scans
  assert.deepEqual(selectFrames(10, 4, 'uniform'), [1, 3, 6, 8]);
  assert.deepEqual(selectFrames(10, 3, 'first'), [0, 1, 2]);
  assert.deepEqual(selectFrames(10, 3, 'last'), [7, 8, 9]);
  assert.deepEqual(selectFrames(10, 4, 'middle'), [3, 4, 5, 6]);
  assert.deepEqual(selectFrames(30, 6, 'fml'), [0, 1, 14, 15, 28, 29]);
  assert.deepEqual(selectFrames(7, 6, 'fml'), [0, 1, 2, 3, 5, 6]);
  assert.deepEqual(selectFrames(3, 5, 'uniform'), [0, 1, 2]);
  const a = selectFrames(100, 10, 'random', makeRng(9)),
    b = selectFrames(100, 10, 'random', makeRng(9));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 10);
  assert.deepEqual(
    a,
    [...a].sort((x, y) => x - y),
  );
  assert.throws(() => selectFrames(10, 2, 'random'));
  assert.equal(kForFraction(45, 0.1), 5);
});

test('pseudo-labels: score ≥ τ in ≥ m frames', () => {
  const s = [
    [0.9, 0.2, 0.5],
    [0.8, 0.9, 0.1],
    [0.1, 0.3, 0.6],
  ];
  assert.deepEqual(pseudoLabels(s, { tau: 0.5, minFrames: 2 }), [1, 0, 1]);
  assert.deepEqual(pseudoLabels(s, { tau: 0.5, minFrames: 1 }), [1, 1, 1]);
  assert.deepEqual(pseudoLabels(s, { tau: 0.85, minFrames: 1 }), [1, 1, 0]);
});

test('montage: concatenated segments, union labels, deterministic', () => {
  const data = {
    features: [0, 1, 2].map((v) => Array.from({ length: 10 }, (_, t) => [v, t])),
    labels: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  };
  const a = montage(data, makeRng(1), { count: 5, segments: [2, 2] });
  const b = montage(data, makeRng(1), { count: 5, segments: [2, 2] });
  assert.deepEqual(a, b);
  a.features.forEach((frames, i) => {
    const sources = [...new Set(frames.map((f) => f[0]))];
    assert.equal(sources.length, 2);
    assert.deepEqual(
      a.labels[i],
      [0, 1, 2].map((c) => (sources.includes(c) ? 1 : 0)),
    );
  });
});

test('group-aware split and feature normalisation', () => {
  const groups = ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'];
  const { train, val } = splitIndices(8, makeRng(2), 0.25, groups);
  assert.equal(train.length + val.length, 8);
  const vg = new Set(val.map((i) => groups[i]));
  assert.ok(train.every((i) => !vg.has(groups[i])));
  const raw = Array.from({ length: 1360 }, (_, i) => (i < 1280 ? 3 : 0.5));
  const v = frameVector(raw, DEFAULT_FEATURES);
  assert.ok(Math.abs(v.reduce((s, x) => s + x * x, 0) - 1) < 1e-5);
  // 'scores' is the class-score block, normalised on its own: distinct scores show it is not the embedding's start
  const ramp = Array.from({ length: 1360 }, (_, i) => (i < 1280 ? 3 : i - 1280));
  const e = frameVector(ramp, { ...DEFAULT_FEATURES, parts: 'scores' });
  const norm = Math.sqrt(Array.from({ length: 80 }, (_, c) => c * c).reduce((a, b) => a + b));
  assert.deepEqual(
    Array.from(e, (x) => Math.round(x * norm * 1e4) / 1e4),
    Array.from({ length: 80 }, (_, c) => c),
  );
  // …and the same from a scan that skipped the embedding (only the 80 scores cached)
  assert.deepEqual(frameVector(ramp.slice(1280), { ...DEFAULT_FEATURES, parts: 'scores' }), e);
  const p = frameVector(raw, { ...DEFAULT_FEATURES, norm: 'l2-per-part' });
  assert.ok(Math.abs(p.subarray(1280).reduce((s, x) => s + x * x, 0) - 0.5) < 1e-5);
});
