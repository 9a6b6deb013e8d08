/**
 * Teacher/student losses. Every term is a *mean* (over batch and over classes or E dims) rather than the
 * paper's sums, so their scales do not grow with the number of classes or the width of E; with that, unit
 * weights α = β = 1 are sensible (the reference code's summed L_rep was ~10⁴ and needed α ≈ 0.001).
 */
import * as tf from '@tensorflow/tfjs';

const EPS = 1e-6;

export type RepLoss = 'mse' | 'sse' | 'cosine';
export type PredLoss = 'mse' | 'kl';
export type LossTerm = 'ce' | 'rep' | 'pred';

/** Multi-label binary cross-entropy, mean over batch and classes (probabilities in, clipped for log). */
export function bce(probs: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  const p = tf.clipByValue(probs, EPS, 1 - EPS);
  return tf.neg(tf.mean(tf.add(tf.mul(labels, tf.log(p)), tf.mul(tf.sub(1, labels), tf.log(tf.sub(1, p)))))) as tf.Scalar;
}

/**
 * L_rep = ‖E_T − E_S‖². 'mse': mean over dims and batch (default); 'sse': the paper's sum over dims, mean over
 * batch; 'cosine': squared distance of the L2-normalised vectors (= 2 − 2cos), insensitive to E's scale.
 */
export function repLoss(eT: tf.Tensor2D, eS: tf.Tensor2D, kind: RepLoss = 'mse'): tf.Scalar {
  if (kind === 'cosine') {
    const n = (x: tf.Tensor2D) => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));
    return tf.mean(tf.sum(tf.square(tf.sub(n(eT), n(eS))), 1)) as tf.Scalar;
  }
  const sq = tf.square(tf.sub(eT, eS));
  return (kind === 'sse' ? tf.mean(tf.sum(sq, 1)) : tf.mean(sq)) as tf.Scalar;
}

/**
 * L_pred. 'mse' = the paper's squared error between probabilities (mean over classes). 'kl' = per-class
 * Bernoulli KL(p_T ‖ p_S), mean over classes — the multi-label reading of the reference code's categorical KL.
 */
export function predLoss(pT: tf.Tensor2D, pS: tf.Tensor2D, kind: PredLoss = 'mse'): tf.Scalar {
  if (kind === 'mse') return tf.mean(tf.square(tf.sub(pT, pS))) as tf.Scalar;
  const t = tf.clipByValue(pT, EPS, 1 - EPS),
    s = tf.clipByValue(pS, EPS, 1 - EPS);
  const kl = tf.add(tf.mul(t, tf.log(tf.div(t, s))), tf.mul(tf.sub(1, t), tf.log(tf.div(tf.sub(1, t), tf.sub(1, s)))));
  return tf.mean(kl) as tf.Scalar;
}

export interface StudentLossOptions {
  alpha: number;
  beta: number;
  terms: LossTerm[];
  rep: RepLoss;
  pred: PredLoss;
}

export interface LossParts {
  total: tf.Scalar;
  ce: tf.Scalar;
  rep: tf.Scalar;
  pred: tf.Scalar;
}

/** L = L_CE + α·L_rep + β·L_pred, each term only if listed in `terms` (all three are returned for logging). */
export function studentLoss(
  s: { E: tf.Tensor2D; probs: tf.Tensor2D },
  t: { E: tf.Tensor2D; probs: tf.Tensor2D },
  labels: tf.Tensor2D,
  o: StudentLossOptions,
): LossParts {
  const ce = bce(s.probs, labels);
  const rep = repLoss(t.E, s.E, o.rep);
  const pred = predLoss(t.probs, s.probs, o.pred);
  let total: tf.Scalar = tf.scalar(0);
  if (o.terms.includes('ce')) total = tf.add(total, ce);
  if (o.terms.includes('rep')) total = tf.add(total, tf.mul(o.alpha, rep));
  if (o.terms.includes('pred')) total = tf.add(total, tf.mul(o.beta, pred));
  return { total, ce, rep, pred };
}
