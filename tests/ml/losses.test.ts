import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/ml/backend.ts';
import { bce, predLoss, repLoss, studentLoss } from '../../main/ml/train/losses.ts';

const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);
const v = (t: tf.Scalar) => t.dataSync()[0];

test('loss terms match hand computations', async () => {
  await initBackend();
  const pS = tf.tensor2d([[0.8, 0.4]]),
    pT = tf.tensor2d([[0.6, 0.1]]),
    y = tf.tensor2d([[1, 0]]);
  close(v(bce(pS, y)), -(Math.log(0.8) + Math.log(0.6)) / 2);
  close(v(predLoss(pT, pS)), (0.04 + 0.09) / 2);
  const kl = (t: number, s: number) => t * Math.log(t / s) + (1 - t) * Math.log((1 - t) / (1 - s));
  close(v(predLoss(pT, pS, 'kl')), (kl(0.6, 0.8) + kl(0.1, 0.4)) / 2);
  const eT = tf.tensor2d([
      [1, 2, 2],
      [0, 0, 3],
    ]),
    eS = tf.tensor2d([
      [0, 2, 0],
      [0, 0, 0],
    ]);
  close(v(repLoss(eT, eS)), (1 + 0 + 4 + 0 + 0 + 9) / 6); // mean over dims and batch
  close(v(repLoss(eT, eS, 'sse')), (5 + 9) / 2); // the paper's ‖·‖², batch mean
  // cosine: row 0: cos = 4/(3·2) → 2 − 2·(2/3); row 1: eS = 0 → normalised to 0 → ‖eT/|eT|‖² = 1
  close(v(repLoss(eT, eS, 'cosine')), (2 - 4 / 3 + 1) / 2);
  const s = { E: tf.tensor2d([[0, 2, 0]]), probs: pS },
    t = { E: tf.tensor2d([[1, 2, 2]]), probs: pT };
  const o = { alpha: 0.5, beta: 2, rep: 'mse' as const, pred: 'mse' as const };
  const all = studentLoss(s, t, y, { ...o, terms: ['ce', 'rep', 'pred'] });
  close(v(all.total), v(all.ce) + 0.5 * (5 / 3) + 2 * 0.065);
  close(v(studentLoss(s, t, y, { ...o, terms: ['rep'] }).total), 0.5 * (5 / 3));
  close(v(studentLoss(s, t, y, { ...o, terms: ['ce'] }).total), v(all.ce));
});
