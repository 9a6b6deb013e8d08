import * as tf from '@tensorflow/tfjs';

/** L2-normalise along `axis`; the epsilon keeps the gradient finite for all-zero (fully masked) rows. */
export function l2norm<T extends tf.Tensor>(x: T, axis: number): T {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), axis, true), 1e-12))) as T;
}

/** x [..., In] · W [In, Out] + b for any leading shape. */
export function dense(x: tf.Tensor, W: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, x.shape[x.shape.length - 1]]) as tf.Tensor2D;
  let y: tf.Tensor = tf.matMul(flat, W as tf.Tensor2D);
  if (b) y = tf.add(y, b);
  return tf.reshape(y, [...lead, W.shape[1] as number]);
}
