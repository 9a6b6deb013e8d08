// The cached frame vector [embedding | class scores] (main/ml/frame-vector.ts): built once, read as the tail by
// every consumer, also when the scan skipped the embedding (the evidence family caches the 80 scores only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classScoresOf, EMBED_DIM, joinFrameVector, NUM_CLASSES } from '../../main/ml/frame-vector.ts';
import { detectorMaxPool } from '../../main/ml/pooling.ts';
import { pseudoLabels, scoresOf } from '../../main/ml/pseudo-labels.ts';

const scores = (hot: Record<number, number>) => Array.from({ length: NUM_CLASSES }, (_, c) => hot[c] ?? 0);
const full = (s: number[]) => joinFrameVector(new Float32Array(EMBED_DIM).fill(7), s);

test('join puts the embedding first and the class scores after it', () => {
  const v = joinFrameVector([1, 2], [0.5, 0.25, 0.125]);
  assert.ok(v instanceof Float32Array);
  assert.deepEqual(Array.from(v), [1, 2, 0.5, 0.25, 0.125]);
  assert.deepEqual(Array.from(joinFrameVector([], [0.5])), [0.5]);
});

test('class scores are the tail, with or without the embedding', () => {
  const s = scores({ 0: 0.5, 79: 0.25 });
  assert.deepEqual(Array.from(classScoresOf(full(s))), s);
  assert.deepEqual(Array.from(classScoresOf(Float32Array.from(s))), s);
  assert.deepEqual(Array.from(classScoresOf([9, 9, 0.5, 0.25], 2)), [0.5, 0.25]); // plain arrays too
  const v = full(s);
  assert.equal(classScoresOf(v).buffer, v.buffer, 'a view, not a copy');
});

test('detector max-pool and pseudo-labels read the class scores of full and score-only vectors alike', () => {
  const frames = [scores({ 0: 0.75, 16: 0.25 }), scores({ 0: 0.5, 16: 0.875 }), scores({ 16: 0.625 })];
  const want = scores({ 0: 0.75, 16: 0.875 });
  assert.deepEqual(Array.from(detectorMaxPool(frames.map(full))), want);
  assert.deepEqual(Array.from(detectorMaxPool(frames.map((f) => Float32Array.from(f)))), want);
  assert.deepEqual(Array.from(detectorMaxPool([])), scores({}), 'no frames: every class 0');
  const labels = pseudoLabels(scoresOf(frames.map(full)), { tau: 0.5, minFrames: 2 });
  assert.deepEqual(labels, scores({ 0: 1, 16: 1 }));
  assert.deepEqual(pseudoLabels(scoresOf(frames.map((f) => Float32Array.from(f))), { tau: 0.5, minFrames: 2 }), labels);
});
