import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxPool, scoresToTags } from '../../main/ml/pooling.ts';
import { posterFrameIndex, uniformTimes } from '../../main/media/sampling.ts';

test('max-pooling keeps the strongest evidence for each class', () => {
  assert.deepEqual(
    [
      ...maxPool([
        [0.1, 0.9],
        [0.5, 0.2],
      ]),
    ].map((x) => Math.round(x * 10) / 10),
    [0.5, 0.9],
  );
  assert.equal(maxPool([]).length, 0);
});

test('scores become named tags above the storage floor, strongest first', () => {
  assert.deepEqual(scoresToTags([0.05, 0.7, 0.3], 0.1, ['a', 'b', 'c']), [
    { tag: 'b', score: 0.7 },
    { tag: 'c', score: 0.3 },
  ]);
});

test('uniform sampling takes segment centres', () => {
  assert.deepEqual(uniformTimes(10, 5), [1, 3, 5, 7, 9]);
  assert.deepEqual(uniformTimes(0, 5), []);
});

test('the poster frame avoids black and white frames', () => {
  const flat = (v: number) => new Uint8Array(300).fill(v);
  const detailed = new Uint8Array(300).map((_, i) => (i % 2 ? 40 : 200));
  assert.equal(posterFrameIndex([flat(0), detailed, flat(255)]), 1);
});
