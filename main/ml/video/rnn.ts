/**
 * Masked GRU/LSTM unrolled with plain tf ops (differentiable with tf.variableGrads). Where the mask is 0 the
 * state is carried through unchanged, so padded steps never affect the final state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Params } from './params.ts';

export type Cell = 'gru' | 'lstm';

export function createRnn(p: Params, name: string, cell: Cell, input: number, hidden: number): void {
  const g = cell === 'gru' ? 3 : 4;
  p.glorot(`${name}/W`, [input, g * hidden]);
  p.glorot(`${name}/U`, [hidden, g * hidden]);
  // LSTM forget-gate bias 1 (as BasicLSTMCell in the reference) so gradients flow early in training
  p.constant(`${name}/b`, [g * hidden], 0);
  if (cell === 'lstm') p.constant(`${name}/bf`, [hidden], 1);
}

/** x [N, T, D], mask [N, T] → final hidden state [N, H]. */
export function runRnn(p: Params, name: string, cell: Cell, hidden: number, x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const [N, T, D] = x.shape;
  const W = p.get(`${name}/W`),
    U = p.get(`${name}/U`),
    b = p.get(`${name}/b`);
  const g = cell === 'gru' ? 3 : 4;
  // input projections for all steps in one matmul: far cheaper than T small ones on wasm
  const xw = tf.add(tf.matMul(tf.reshape(x, [N * T, D]), W), b).reshape([N, T, g * hidden]);
  // per-step slices (not tf.unstack: its gradient breaks when a step's output gets no gradient)
  const step = (t: number) => tf.reshape(tf.slice(xw, [0, t, 0], [N, 1, g * hidden]), [N, g * hidden]) as tf.Tensor2D;
  const maskAt = (t: number) => tf.slice(mask, [0, t], [N, 1]) as tf.Tensor2D;
  let h: tf.Tensor2D = tf.zeros([N, hidden]);
  let c: tf.Tensor2D = tf.zeros([N, hidden]);
  const bf = cell === 'lstm' ? p.get(`${name}/bf`) : null;
  for (let t = 0; t < T; t++) {
    const m = maskAt(t),
      xt = step(t);
    if (cell === 'gru') {
      const [xz, xr, xn] = tf.split(xt, 3, 1);
      const [hz, hr, hn] = tf.split(tf.matMul(h, U), 3, 1);
      const z = tf.sigmoid(tf.add(xz, hz));
      const r = tf.sigmoid(tf.add(xr, hr));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      const hNew = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      h = tf.add(tf.mul(m, hNew), tf.mul(tf.sub(1, m), h));
    } else {
      const [xi, xf, xg, xo] = tf.split(tf.add(xt, tf.matMul(h, U)), 4, 1);
      const cNew = tf.add(tf.mul(tf.sigmoid(tf.add(xf, bf!)), c), tf.mul(tf.sigmoid(xi), tf.tanh(xg)));
      const hNew = tf.mul(tf.sigmoid(xo), tf.tanh(cNew));
      c = tf.add(tf.mul(m, cNew), tf.mul(tf.sub(1, m), c));
      h = tf.add(tf.mul(m, hNew), tf.mul(tf.sub(1, m), h));
    }
  }
  return h;
}
