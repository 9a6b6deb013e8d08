/**
 * Multi-label classifier heads on E. MoE follows YT-8M's MoeModel: per class, a softmax gate over `experts`
 * sigmoid experts plus a dummy expert fixed at 0, so a class can be switched off cheaply.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadConfig } from './config.ts';
import { dense } from './ops.ts';
import type { Params } from './params.ts';

export function createHead(p: Params, h: HeadConfig, E: number, C: number): void {
  if (h.type === 'logistic') {
    p.glorot('head/W', [E, C]);
    p.constant('head/b', [C], 0);
  } else {
    p.glorot('head/gate/W', [E, C * (h.experts + 1)]);
    p.constant('head/gate/b', [C * (h.experts + 1)], 0);
    p.glorot('head/experts/W', [E, C * h.experts]);
    p.constant('head/experts/b', [C * h.experts], 0);
  }
}

/** E [B, dim] → probabilities [B, C]. */
export function runHead(p: Params, h: HeadConfig, e: tf.Tensor2D, C: number): tf.Tensor2D {
  if (h.type === 'logistic') return tf.sigmoid(dense(e, p.get('head/W'), p.get('head/b'))) as tf.Tensor2D;
  const B = e.shape[0],
    M = h.experts;
  const gate = tf.softmax(tf.reshape(dense(e, p.get('head/gate/W'), p.get('head/gate/b')), [B, C, M + 1]));
  const experts = tf.sigmoid(tf.reshape(dense(e, p.get('head/experts/W'), p.get('head/experts/b')), [B, C, M]));
  const realGates = tf.slice(gate, [0, 0, 0], [B, C, M]); // the dummy expert contributes gate·0
  return tf.sum(tf.mul(realGates, experts), 2) as tf.Tensor2D;
}
