/**
 * FLOPs from layer shapes. Convention: one multiply-add = 2 FLOPs; only the multiply-adds of matmuls and
 * convolutions are counted (biases, activations, normalisation and softmax are O(outputs) and ignored, as in
 * the usual GMAC tables), so the counts are comparable with published CNN numbers.
 */
import type { VideoModelConfig } from './video/config.ts';
import { representationDim } from './video/config.ts';

export const denseFlops = (inputs: number, outputs: number, rows = 1): number => 2 * rows * inputs * outputs;

/** per step: 4 gates × (input + recurrent) matmuls */
export const lstmFlops = (input: number, hidden: number, steps: number): number => 2 * steps * 4 * hidden * (input + hidden);
/** per step: 3 gates × (input + recurrent) matmuls */
export const gruFlops = (input: number, hidden: number, steps: number): number => 2 * steps * 3 * hidden * (input + hidden);

export interface ConvShape {
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  cin: number;
  cout: number;
}
export const conv2dFlops = (s: ConvShape): number => 2 * s.outH * s.outW * s.kh * s.kw * s.cin * s.cout;
/** depthwise: each input channel convolved with its own `multiplier` filters, no cross-channel sum */
export const depthwiseConv2dFlops = (s: Omit<ConvShape, 'cout'> & { multiplier?: number }): number =>
  2 * s.outH * s.outW * s.kh * s.kw * s.cin * (s.multiplier ?? 1);

/** NetVLAD core over T frames of D dims, K clusters: soft-assignment matmul + residual aggregation matmul. */
export const netvladFlops = (T: number, D: number, K: number): number => 2 * T * D * K + 2 * T * K * D;

/** NeXtVLAD core: expansion D→λD, group attention, per-group assignment, aggregation in the λD/G group space. */
export function nextvladFlops(T: number, D: number, expansion: number, groups: number, K: number): number {
  const E = expansion * D;
  return 2 * T * D * E + 2 * T * E * groups + 2 * T * E * groups * K + 2 * T * groups * K * (E / groups);
}

/** Context gating y = x ⊙ σ(Wx + b): one d×d matmul. */
export const contextGatingFlops = (d: number): number => 2 * d * d;
/** SE gating: d → d/r → d. */
export const seGatingFlops = (d: number, reduction: number): number => 2 * 2 * d * Math.max(1, Math.floor(d / reduction));

/** MoE head: gates over M experts + 1 dummy, plus M experts, for every class. */
export const moeFlops = (input: number, classes: number, experts: number): number =>
  denseFlops(input, classes * (experts + 1)) + denseFlops(input, classes * experts);
export const logisticFlops = (input: number, classes: number): number => denseFlops(input, classes);

export interface FlopReport {
  total: number;
  parts: Record<string, number>;
}

export const report = (parts: Record<string, number>): FlopReport => ({ total: Object.values(parts).reduce((a, b) => a + b, 0), parts });

/**
 * Video model FLOPs for one video of `frames` real frames (padding is not counted: it is an artefact of
 * batching, a per-video run has none).
 */
export function videoModelFlops(c: VideoModelConfig, frames: number): FlopReport {
  const D = c.inputDim;
  const parts: Record<string, number> = {};
  if (c.family === 'hrnn') {
    const rnn = c.cell === 'gru' ? gruFlops : lstmFlops;
    parts.lowerRnn = rnn(D, c.hidden, frames); // every frame is one lower step in exactly one block
    parts.upperRnn = rnn(c.hidden, c.upperHidden, Math.min(c.blocks, frames)); // one step per non-empty block
  } else if (c.family === 'netvlad') {
    parts.netvlad = netvladFlops(frames, D, c.clusters);
    parts.hidden = denseFlops(c.clusters * D, c.hidden);
    if (c.gating) parts.gating = contextGatingFlops(c.hidden);
  } else {
    parts.nextvlad = nextvladFlops(frames, D, c.expansion, c.groups, c.clusters);
    parts.hidden = denseFlops((c.clusters * c.expansion * D) / c.groups, c.hidden);
    parts.gating = seGatingFlops(c.hidden, c.gatingReduction);
  }
  const E = representationDim(c);
  parts.head = c.head.type === 'moe' ? moeFlops(E, c.numClasses, c.head.experts) : logisticFlops(E, c.numClasses);
  return report(parts);
}

/**
 * Frame CNN cost per frame, measured on the shipped models with layersModelFlops / graphModelFlops below
 * (tests/ml/flops-cnn.test.ts re-measures and checks these):
 * - MobileNetV2 embedder (nsfwjs mobilenet_v2 up to `flatten_1`, 224²): 299.494272 M MACs — the published
 *   MobileNetV2-1.0 figure is ≈300 M MACs;
 * - centernet (@vladmandic/human centernet.json, MobileNetV3 backbone, 512²): 1295.249792 M MACs over 89
 *   conv nodes.
 */
export const MOBILENET_V2_224_FLOPS = 2 * 299_494_272;
export const CENTERNET_512_FLOPS = 2 * 1_295_249_792;

/** Per-frame cost of the feature extractors in use. */
export function frameCnnFlops(opts: { embedding: boolean; scores: boolean } = { embedding: true, scores: true }): number {
  return (opts.embedding ? MOBILENET_V2_224_FLOPS : 0) + (opts.scores ? CENTERNET_512_FLOPS : 0);
}

/** Whole-pipeline cost for one video: CNNs on the frames actually decoded + the video model. */
export function videoPipelineFlops(c: VideoModelConfig, frames: number, cnn = { embedding: true, scores: true }): FlopReport {
  const m = videoModelFlops(c, frames);
  return report({ frameCnn: frames * frameCnnFlops(cnn), ...m.parts });
}
