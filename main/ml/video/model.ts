/**
 * A video model = encoder (H-RNN / NetVLAD / NeXtVLAD) producing E, plus a multi-label head. Written with
 * tf.variable + functional ops so teacher and student can be trained jointly with separate optimizers and
 * saved as one flat weights file.
 */
import * as tf from '@tensorflow/tfjs';
import { type FeatureSpec, featureDim, prepareVideo } from '../features.ts';
import { makeRng, type Rng } from '../rng.ts';
import { type Batch, blockedBatch, disposeBatch, flatBatch } from './batch.ts';
import { type Family, makeConfig, representationDim, type VideoModelConfig } from './config.ts';
import { createHead, runHead } from './heads.ts';
import { createHrnn, encodeHrnn } from './hrnn.ts';
import { createNetVlad, encodeNetVlad } from './netvlad.ts';
import { createNeXtVlad, encodeNeXtVlad } from './nextvlad.ts';
import { Params } from './params.ts';

export type Strategy = 'uniform' | 'random' | 'first' | 'middle' | 'last' | 'fml';

export interface ModelMeta {
  role: 'teacher' | 'student';
  /** student only: frames it expects per video, and how they were picked */
  k?: number;
  strategy?: Strategy;
  /** class names, index-aligned with the probabilities (COCO-80 by default) */
  labels?: string[];
  metrics?: Record<string, unknown>;
  training?: Record<string, unknown>;
  created?: string;
}

export interface Forward {
  E: tf.Tensor2D;
  probs: tf.Tensor2D;
}

export class VideoModel {
  readonly params: Params;

  constructor(
    readonly config: VideoModelConfig,
    readonly features: FeatureSpec,
    seed: number | null,
    public meta: ModelMeta,
  ) {
    if (featureDim(features) !== config.inputDim) {
      throw new Error(`config.inputDim ${config.inputDim} ≠ feature spec dim ${featureDim(features)}`);
    }
    const rng = seed === null ? null : makeRng(seed);
    this.params = new Params(config.family, rng);
    const D = config.inputDim;
    if (config.family === 'hrnn') createHrnn(this.params, config, D);
    else if (config.family === 'netvlad') createNetVlad(this.params, config, D);
    else createNeXtVlad(this.params, config, D);
    createHead(this.params, config.head, representationDim(config), config.numClasses);
  }

  /** A fresh model; `overrides` adjusts sizes and the head. */
  static create(
    family: Family,
    features: FeatureSpec,
    numClasses: number,
    seed: number,
    overrides: Parameters<typeof makeConfig>[3] = {},
    meta: ModelMeta = { role: 'teacher' },
  ): VideoModel {
    return new VideoModel(makeConfig(family, featureDim(features), numClasses, overrides), features, seed, meta);
  }

  get family(): Family {
    return this.config.family;
  }
  variables(): tf.Variable[] {
    return this.params.list();
  }

  /** Cached raw frame vectors → normalised model inputs (do once per video, reuse every epoch). */
  prepare(videos: ArrayLike<number>[][]): Float32Array[][] {
    return videos.map((v) => prepareVideo(v, this.features));
  }

  makeBatch(prepared: Float32Array[][]): Batch {
    const c = this.config;
    return c.family === 'hrnn' ? blockedBatch(prepared, c.inputDim, c.blocks) : flatBatch(prepared, c.inputDim);
  }

  /** `rng` given ⇒ training mode (dropout on E before the head, mask drawn from the seeded stream). */
  forward(batch: Batch, rng?: Rng): Forward {
    const c = this.config,
      p = this.params;
    const E =
      c.family === 'hrnn' ? encodeHrnn(p, c, batch) : c.family === 'netvlad' ? encodeNetVlad(p, c, batch) : encodeNeXtVlad(p, c, batch);
    let headIn = E;
    if (rng && c.dropout > 0) {
      const keep = 1 - c.dropout;
      const m = Float32Array.from({ length: E.size }, () => (rng.next() < keep ? 1 / keep : 0));
      headIn = tf.mul(E, tf.tensor2d(m, E.shape));
    }
    return { E, probs: runHead(p, c.head, headIn, c.numClasses) };
  }

  /** Inference on prepared inputs; returns plain arrays. */
  run(prepared: Float32Array[][], batchSize = 32): { E: Float32Array[]; probs: Float32Array[] } {
    const E: Float32Array[] = [],
      probs: Float32Array[] = [];
    for (let i = 0; i < prepared.length; i += batchSize) {
      const batch = this.makeBatch(prepared.slice(i, i + batchSize));
      const [e, p] = tf.tidy(() => {
        const f = this.forward(batch);
        return [f.E, f.probs];
      });
      const ed = e.dataSync() as Float32Array,
        pd = p.dataSync() as Float32Array;
      const de = e.shape[1]!,
        dp = p.shape[1]!;
      for (let b = 0; b < batch.size; b++) {
        E.push(ed.slice(b * de, (b + 1) * de));
        probs.push(pd.slice(b * dp, (b + 1) * dp));
      }
      e.dispose();
      p.dispose();
      disposeBatch(batch);
    }
    return { E, probs };
  }

  /**
   * Class probabilities per video from the frames given (raw cached vectors). A student is fed only its k
   * frames — pick them with selectFrames(n, meta.k, meta.strategy) before running the CNNs.
   */
  predict(videos: ArrayLike<number>[][]): number[][] {
    return this.run(this.prepare(videos)).probs.map((p) => Array.from(p));
  }

  /** The representation E (what distillation matches) per video. */
  represent(videos: ArrayLike<number>[][]): number[][] {
    return this.run(this.prepare(videos)).E.map((e) => Array.from(e));
  }

  /** Same architecture, independent weights copied from this one. */
  clone(meta: ModelMeta = { ...this.meta }): VideoModel {
    const m = new VideoModel(this.config, this.features, null, meta);
    const src = this.variables(),
      dst = m.variables();
    src.forEach((v, i) => dst[i].assign(v));
    return m;
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
