/**
 * NetVLAD with context gating (Miech et al. 2017, the WILLOW YT-8M model): soft-assign frames to learned
 * clusters, sum residuals to the centres, normalise, project to `hidden`, gate. E = the gated hidden vector.
 * Batch norm is left out: inputs are already L2-normalised and batches here are tiny.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './batch.ts';
import type { NetVladConfig } from './config.ts';
import { dense, l2norm } from './ops.ts';
import type { Params } from './params.ts';

export function createNetVlad(p: Params, c: NetVladConfig, D: number): void {
  p.glorot('assign/W', [D, c.clusters]);
  p.constant('assign/b', [c.clusters], 0);
  p.normal('centres', [c.clusters, D], 1 / Math.sqrt(D));
  p.glorot('hidden/W', [c.clusters * D, c.hidden]);
  p.constant('hidden/b', [c.hidden], 0);
  if (c.gating) {
    p.glorot('gate/W', [c.hidden, c.hidden]);
    p.constant('gate/b', [c.hidden], 0);
  }
}

/** Shared by NetVLAD and NeXtVLAD: residual aggregation of `feats` [B, N, d] under assignments [B, N, K]. */
export function vladAggregate(assign: tf.Tensor3D, feats: tf.Tensor3D, centres: tf.Tensor2D): tf.Tensor2D {
  const aSum = tf.sum(assign, 1).expandDims(2); // [B, K, 1]
  const agg = tf.matMul(assign, feats, true, false); // [B, K, d]
  const vlad = tf.sub(agg, tf.mul(aSum, centres.expandDims(0)));
  const intra = l2norm(vlad, 2); // intra-normalisation per cluster
  const [B, K, d] = intra.shape;
  return l2norm(tf.reshape(intra, [B, K * d]) as tf.Tensor2D, 1);
}

export function encodeNetVlad(p: Params, c: NetVladConfig, batch: Batch): tf.Tensor2D {
  const x = batch.x;
  const assign = tf.mul(tf.softmax(dense(x, p.get('assign/W'), p.get('assign/b'))), batch.mask.expandDims(2)) as tf.Tensor3D;
  const vlad = vladAggregate(assign, x, p.get('centres') as tf.Tensor2D);
  const h = dense(vlad, p.get('hidden/W'), p.get('hidden/b')) as tf.Tensor2D;
  if (!c.gating) return h;
  return tf.mul(h, tf.sigmoid(dense(h, p.get('gate/W'), p.get('gate/b')))) as tf.Tensor2D;
}
