/**
 * Per-frame features: the MobileNetV2 embedding (1280-d, layer `flatten_1`, when asked for) and centernet's COCO-80 class
 * scores (max over each class heatmap). This is the expensive part of every scan; a video model only ever sees
 * these vectors, so they are cached and retraining never decodes video again.
 */
import type * as TFConverter from '@tensorflow/tfjs-converter';
import type * as TFCore from '@tensorflow/tfjs-core';
import type * as TFLayers from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import { checkFrameCnnFiles, humanArtifacts, nsfwArtifacts } from './model-files.ts';

// The vector these make, [embedding (EMBED_DIM) | class scores (NUM_CLASSES)], is defined in frame-vector.ts.
export const CNN_INPUT = 512; // frames are decoded once at centernet's size and downscaled for MobileNetV2
/**
 * Version of everything between a video file and a cached frame vector (geometry, size, models). Feature caches
 * and scans are keyed by it, so a preprocessing change can never silently reuse stale features.
 * v1: squashed 512×512. v2: letterboxed 512×512 (media/ffmpeg.ts `fitSquare`).
 */
export const FRAME_PIPELINE = 'lb512-v2';

/**
 * tfjs, imported by `FrameCnn.load()`: the engine imports this module for the constants above and must not pay
 * tfjs's start-up in commands that never run a CNN. Only the core and the converter (centernet is a graph model);
 * tfjs-layers and MobileNetV2 load on the first frame that asks for the embedding: a scan for an evidence model
 * never does (every shipped student and teacher), and a CNN worker then starts in ~0.5 CPU-s less.
 */
let tf: typeof TFCore;
// Not named `require`: electron-vite's ESM output declares its own `require` shim in the same chunk.
const requireCjs = createRequire(import.meta.url);

export interface FrameFeatures {
  embedding: Float32Array;
  classScores: Float32Array;
}

export class FrameCnn {
  private embedder: Promise<TFLayers.LayersModel> | null = null;
  /**
   * The detector's input, filled anew for each frame. One array for the worker's life: a fresh 3 MB one per frame (what
   * an int32 tensor and a cast made) is fresh memory the kernel must fault in, page by page, on every frame; the values
   * (0..255, exact in float32) and so the scores are the same bit for bit.
   */
  private readonly input = new Float32Array(CNN_INPUT * CNN_INPUT * 3);
  private constructor(private detector: TFConverter.GraphModel) {}

  static async load(): Promise<FrameCnn> {
    checkFrameCnnFiles();
    // require: CommonJS bundles (see backend.ts)
    tf = requireCjs('@tensorflow/tfjs-core') as typeof TFCore;
    const { loadGraphModel } = requireCjs('@tensorflow/tfjs-converter') as typeof TFConverter;
    const detector = await loadGraphModel(tf.io.fromMemory(humanArtifacts('centernet')));
    return new FrameCnn(detector);
  }

  /** MobileNetV2 up to its 1280-d embedding (layer `flatten_1`), loaded once, on first use. */
  private embedderModel(): Promise<TFLayers.LayersModel> {
    this.embedder ??= (async () => {
      const layers = requireCjs('@tensorflow/tfjs-layers') as typeof TFLayers;
      const mobilenet = await layers.loadLayersModel(tf.io.fromMemory(nsfwArtifacts('mobilenet_v2')));
      return layers.model({ inputs: mobilenet.inputs, outputs: mobilenet.getLayer('flatten_1').output });
    })();
    this.embedder.catch(() => (this.embedder = null));
    return this.embedder;
  }

  /**
   * `rgb` is CNN_INPUT² packed RGB bytes. `embed: false` skips MobileNetV2 (about a quarter of the CNN time):
   * the evidence models read the detector's class scores only; the embedding is then empty.
   */
  async run(rgb: Uint8Array, embed = true): Promise<FrameFeatures> {
    const embedder = embed ? await this.embedderModel() : null;
    const [scores, emb] = tf.tidy((): TFCore.Tensor[] => {
      this.input.set(rgb);
      const img = tf.tensor4d(this.input, [1, CNN_INPUT, CNN_INPUT, 3], 'float32');
      // centernet wants 0..255; its keypoint heatmaps are already probabilities (no second sigmoid).
      const heat = this.detector.execute(img, 'tower_0/keypoints') as TFCore.Tensor4D;
      const classScores = tf.squeeze(tf.max(heat, [1, 2]), [0]);
      if (!embedder) return [classScores];
      const small = tf.div(tf.image.resizeBilinear(img, [224, 224]), 255);
      const embedding = tf.squeeze(embedder.predict(small) as TFCore.Tensor, [0]);
      return [classScores, embedding];
    }) as [TFCore.Tensor, TFCore.Tensor?];
    const out = {
      embedding: emb ? ((await emb.data()) as Float32Array) : new Float32Array(0),
      classScores: (await scores.data()) as Float32Array,
    };
    emb?.dispose();
    scores.dispose();
    return out;
  }

  dispose(): void {
    void this.embedder?.then((m) => m.dispose());
    this.detector.dispose();
  }
}
