/**
 * The cached per-frame vector, the one definition of its layout: [MobileNetV2 embedding | centernet class scores].
 * The embedding is EMBED_DIM long, or empty in scans that skipped MobileNetV2 (the evidence family); the class
 * scores are always the last NUM_CLASSES values. Plain TypeScript (no tfjs), so the store can use it too.
 */

export const EMBED_DIM = 1280;
export const NUM_CLASSES = 80;

/** [embedding | class scores] as one fresh vector. */
export function joinFrameVector(embedding: ArrayLike<number>, classScores: ArrayLike<number>): Float32Array {
  const v = new Float32Array(embedding.length + classScores.length);
  v.set(embedding);
  v.set(classScores, embedding.length);
  return v;
}

/** The detector's class scores of a frame vector: its last `classes` values (a view when it can be, never a copy of the whole). */
export function classScoresOf(frame: Float32Array, classes?: number): Float32Array;
export function classScoresOf(frame: ArrayLike<number>, classes?: number): ArrayLike<number>;
export function classScoresOf(frame: ArrayLike<number>, classes = NUM_CLASSES): ArrayLike<number> {
  if (frame.length === classes) return frame;
  const from = frame.length - classes;
  return frame instanceof Float32Array ? frame.subarray(from) : (Array.prototype.slice.call(frame, from) as number[]);
}
