/** Public surface of the video-model engine (see README.md). */
export { DEFAULT_FEATURES, type FeatureSpec, featureDim, frameVector } from './features.ts';
export * from './flops.ts';
export { classScoresOf, EMBED_DIM, joinFrameVector, NUM_CLASSES } from './frame-vector.ts';
export * from './metrics.ts';
export { pseudoLabels, scoresOf, type PseudoLabelOptions } from './pseudo-labels.ts';
export { makeRng, type Rng } from './rng.ts';
export { kForFraction, selectFrames, STRATEGIES } from './train/frames.ts';
export { bce, predLoss, repLoss, studentLoss } from './train/losses.ts';
export { montage, type MontageOptions } from './train/montage.ts';
export {
  type EpochReport,
  splitIndices,
  type StudentOptions,
  type TeacherOptions,
  trainBaseline,
  type TrainData,
  trainJoint,
  trainStudent,
  trainTeacher,
} from './train/train.ts';
export { ENCODER_DEFAULTS, type Family, makeConfig, type VideoModelConfig } from './video/config.ts';
export { type ModelMeta, type Strategy, VideoModel } from './video/model.ts';
export { loadModel, type Manifest, readManifest, saveModel } from './video/persist.ts';
