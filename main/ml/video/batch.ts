/**
 * Padded batches with masks, so videos of different lengths (and students with fewer real frames than k)
 * share one tensor. Built in JS from already-normalised frame vectors: inputs need no gradient.
 */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  /** [B, T, D] for the VLAD families; [B·blocks, L, D] for H-RNN */
  x: tf.Tensor3D;
  /** 1 for a real frame, 0 for padding; same leading dims as x */
  mask: tf.Tensor2D;
  /** H-RNN only: [B, blocks], 1 where the block holds at least one frame */
  blockMask?: tf.Tensor2D;
  size: number;
}

export function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.mask.dispose();
  b.blockMask?.dispose();
}

/** [B, T, D] zero-padded to the longest video. */
export function flatBatch(videos: Float32Array[][], dim: number): Batch {
  const B = videos.length;
  const T = Math.max(1, ...videos.map((v) => v.length));
  const x = new Float32Array(B * T * dim);
  const m = new Float32Array(B * T);
  videos.forEach((frames, b) =>
    frames.forEach((f, t) => {
      x.set(f, (b * T + t) * dim);
      m[b * T + t] = 1;
    }),
  );
  return { x: tf.tensor3d(x, [B, T, dim]), mask: tf.tensor2d(m, [B, T]), size: B };
}

/**
 * Frames of each video split into `blocks` contiguous, near-equal blocks of its own length (not of the padded
 * length, unlike the reference code, so a short video still fills every block when it can).
 */
export function blockRanges(n: number, blocks: number): [number, number][] {
  return Array.from({ length: blocks }, (_, i) => [Math.floor((i * n) / blocks), Math.floor(((i + 1) * n) / blocks)]);
}

export function blockedBatch(videos: Float32Array[][], dim: number, blocks: number): Batch {
  const B = videos.length;
  const L = Math.max(1, ...videos.map((v) => Math.ceil(v.length / blocks)));
  const x = new Float32Array(B * blocks * L * dim);
  const m = new Float32Array(B * blocks * L);
  const bm = new Float32Array(B * blocks);
  videos.forEach((frames, b) => {
    blockRanges(frames.length, blocks).forEach(([s, e], j) => {
      const row = b * blocks + j;
      if (e > s) bm[row] = 1;
      for (let t = s; t < e; t++) {
        x.set(frames[t], (row * L + (t - s)) * dim);
        m[row * L + (t - s)] = 1;
      }
    });
  });
  return {
    x: tf.tensor3d(x, [B * blocks, L, dim]),
    mask: tf.tensor2d(m, [B * blocks, L]),
    blockMask: tf.tensor2d(bm, [B, blocks]),
    size: B,
  };
}
