/**
 * NeXtVLAD (Lin et al. 2018): expand each frame λ×, split into G groups of size λD/G, soft-assign every group
 * to K clusters weighted by a per-group attention, aggregate residuals in the small group space (K·λD/G
 * instead of K·D), project to `hidden`, SE-style gating. E = the gated hidden vector.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './batch.ts';
import type { NeXtVladConfig } from './config.ts';
import { vladAggregate } from './netvlad.ts';
import { dense } from './ops.ts';
import type { Params } from './params.ts';

export function groupDim(c: NeXtVladConfig, D: number): number {
  const e = c.expansion * D;
  if (e % c.groups) throw new Error(`NeXtVLAD: expansion·D = ${e} is not divisible by groups = ${c.groups}`);
  return e / c.groups;
}

export function createNeXtVlad(p: Params, c: NeXtVladConfig, D: number): void {
  const E = c.expansion * D,
    Nd = groupDim(c, D);
  p.glorot('expand/W', [D, E]);
  p.constant('expand/b', [E], 0);
  p.glorot('attention/W', [E, c.groups]);
  p.constant('attention/b', [c.groups], 0);
  p.glorot('assign/W', [E, c.groups * c.clusters]);
  p.constant('assign/b', [c.groups * c.clusters], 0);
  p.normal('centres', [c.clusters, Nd], 1 / Math.sqrt(Nd));
  p.glorot('hidden/W', [c.clusters * Nd, c.hidden]);
  p.constant('hidden/b', [c.hidden], 0);
  const r = Math.max(1, Math.floor(c.hidden / c.gatingReduction));
  p.glorot('se/W1', [c.hidden, r]);
  p.constant('se/b1', [r], 0);
  p.glorot('se/W2', [r, c.hidden]);
  p.constant('se/b2', [c.hidden], 0);
}

export function encodeNeXtVlad(p: Params, c: NeXtVladConfig, batch: Batch): tf.Tensor2D {
  const [B, T, D] = batch.x.shape;
  const G = c.groups,
    K = c.clusters,
    Nd = groupDim(c, D);
  const xe = dense(batch.x, p.get('expand/W'), p.get('expand/b')); // [B, T, λD]
  const att = tf.mul(tf.sigmoid(dense(xe, p.get('attention/W'), p.get('attention/b'))), batch.mask.expandDims(2)); // [B,T,G]
  const logits = tf.reshape(dense(xe, p.get('assign/W'), p.get('assign/b')), [B, T, G, K]);
  const assign = tf.mul(tf.softmax(logits), att.expandDims(3)); // [B, T, G, K]
  const vlad = vladAggregate(
    tf.reshape(assign, [B, T * G, K]) as tf.Tensor3D,
    tf.reshape(xe, [B, T * G, Nd]) as tf.Tensor3D,
    p.get('centres') as tf.Tensor2D,
  );
  const h = dense(vlad, p.get('hidden/W'), p.get('hidden/b'));
  const se = tf.sigmoid(dense(tf.relu(dense(h, p.get('se/W1'), p.get('se/b1'))), p.get('se/W2'), p.get('se/b2')));
  return tf.mul(h, se) as tf.Tensor2D;
}
