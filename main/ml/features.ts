/**
 * Which part of the cached per-frame vector a video model reads, and how it is normalised.
 * The cache stores [MobileNetV2 embedding (1280) | centernet class scores (80)] per frame (frame-vector.ts); models
 * pick from it so a model trained on "embedding only" can still be fed the same cache.
 */
import { classScoresOf, EMBED_DIM, NUM_CLASSES } from './frame-vector.ts';

export interface FeatureSpec {
  parts: 'both' | 'embedding' | 'scores';
  /** length of the embedding block at the start of the cached vector */
  embedDim: number;
  /** length of the class-score block right after it */
  scoreDim: number;
  /**
   * 'l2': normalise the selected vector as a whole (the paper's tf.nn.l2_normalize on the concatenation).
   * 'l2-per-part': normalise embedding and scores separately, each scaled by 1/√2 — keeps the 80 scores from
   * being drowned by the 1280-d embedding, whose norm is far larger.
   */
  norm: 'l2' | 'l2-per-part' | 'none';
}

export const DEFAULT_FEATURES: FeatureSpec = { parts: 'both', embedDim: EMBED_DIM, scoreDim: NUM_CLASSES, norm: 'l2' };

export function featureDim(spec: FeatureSpec): number {
  return spec.parts === 'both' ? spec.embedDim + spec.scoreDim : spec.parts === 'embedding' ? spec.embedDim : spec.scoreDim;
}

function l2(v: Float32Array, scale = 1): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const f = s > 0 ? scale / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= f;
}

/** One cached frame vector → the model's input vector (a fresh array; the cache is never mutated). */
export function frameVector(raw: ArrayLike<number>, spec: FeatureSpec): Float32Array {
  const need = spec.embedDim + spec.scoreDim;
  if (raw.length !== need && spec.parts === 'both') {
    throw new Error(`frame vector has ${raw.length} values, feature spec expects ${need}`);
  }
  // 'scores' reads the class-score tail (frame-vector.ts), which is also right when the embedding was skipped
  const part = spec.parts === 'scores' ? classScoresOf(raw, spec.scoreDim) : raw;
  const out = Float32Array.from({ length: featureDim(spec) }, (_, i) => part[i]);
  if (spec.norm === 'l2') l2(out);
  else if (spec.norm === 'l2-per-part' && spec.parts === 'both') {
    const half = Math.SQRT1_2;
    const e = out.subarray(0, spec.embedDim),
      s = out.subarray(spec.embedDim);
    l2(e, half);
    l2(s, half);
  } else if (spec.norm === 'l2-per-part') l2(out);
  return out;
}

export function prepareVideo(frames: ArrayLike<number>[], spec: FeatureSpec): Float32Array[] {
  return frames.map((f) => frameVector(f, spec));
}
