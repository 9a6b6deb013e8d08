/**
 * A tagger = a saved video model (teacher or student) plus how its probabilities become tags. This is what a scan
 * calls after the frame CNNs: cached frame vectors in, one probability per COCO class out.
 *
 * Optional per-class blend with the detector (manifest `training.blendWeights`, one weight per class):
 *   p_c = w_c · model_c + (1 − w_c) · maxpool(detector_c)
 * A class the model saw often in training follows the model; a class it barely saw falls back to what the
 * detector says, so a model trained on a few dozen clips never forgets a class it had no examples of.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EMBED_DIM, NUM_CLASSES } from './frame-cnn.ts';
import { videoModelFlops } from './flops.ts';
import type { VideoModel } from './video/model.ts';
import { loadModel, type Manifest, readManifest } from './video/persist.ts';

export interface Tagger {
  dir: string;
  manifest: Manifest;
  model: VideoModel;
  /** Class probabilities of one video from its raw cached frame vectors ([embedding | class scores] each). */
  predict(frames: ArrayLike<number>[]): Float32Array;
  /** Video-model FLOPs for a video of `frames` frames (frame CNNs excluded). */
  flops(frames: number): number;
  /** short name stored with each scan, e.g. `student:netvlad@10` */
  name: string;
}

/** Per-class max of the detector scores over the given frames (the tail of each raw vector). */
export function detectorMaxPool(frames: ArrayLike<number>[], embedDim = EMBED_DIM, classes = NUM_CLASSES): Float32Array {
  const out = new Float32Array(classes);
  for (const f of frames) for (let c = 0; c < classes; c++) if (f[embedDim + c] > out[c]) out[c] = f[embedDim + c];
  return out;
}

export function blendWeightsOf(m: Manifest): number[] | null {
  const w = (m.training as { blendWeights?: unknown } | null)?.blendWeights;
  return Array.isArray(w) && w.length === m.config.numClasses && w.every((x) => typeof x === 'number') ? (w as number[]) : null;
}

export async function loadTagger(dir: string): Promise<Tagger> {
  const manifest = await readManifest(dir);
  const model = await loadModel(dir);
  const weights = blendWeightsOf(manifest);
  const role = manifest.role;
  return {
    dir, manifest, model,
    name: `${role}:${manifest.family}${role === 'student' && manifest.k ? `@${manifest.k}` : ''}`,
    predict(frames) {
      if (!frames.length) return new Float32Array(manifest.config.numClasses);
      const p = Float32Array.from(model.predict([frames])[0]);
      if (!weights) return p;
      const det = detectorMaxPool(frames);
      for (let c = 0; c < p.length; c++) p[c] = weights[c] * p[c] + (1 - weights[c]) * (det[c] ?? 0);
      return p;
    },
    flops: (n) => videoModelFlops(manifest.config, n).total,
  };
}

/** The models shipped with Glimpse: resources/models/{teacher,student}. */
export function defaultModelsDir(): string {
  // main/ml → project root; in a packaged app resources/ sits beside the code the same way (electron-builder `files`).
  return path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', '..', 'resources', 'models');
}

export function hasModel(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'manifest.json')) && fs.existsSync(path.join(dir, 'weights.bin'));
}
