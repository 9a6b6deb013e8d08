/**
 * Per-frame features: the MobileNetV2 embedding (1280-d, layer `flatten_1`) and centernet's COCO-80 class
 * scores (max over each class heatmap). This is the expensive part of every scan; a video model only ever sees
 * these vectors, so they are cached and retraining never decodes video again.
 */
import type * as TF from '@tensorflow/tfjs';
import { humanArtifacts, nsfwArtifacts } from './model-files.ts';

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
 * tfjs's start-up (about a second) in commands that never run a CNN.
 */
let tf: typeof TF;

export interface FrameFeatures {
  embedding: Float32Array;
  classScores: Float32Array;
}

export class FrameCnn {
  private constructor(
    private embedder: TF.LayersModel,
    private detector: TF.GraphModel,
  ) {}

  static async load(): Promise<FrameCnn> {
    tf = await import('@tensorflow/tfjs');
    const mobilenet = await tf.loadLayersModel(tf.io.fromMemory(nsfwArtifacts('mobilenet_v2')));
    const embedder = tf.model({ inputs: mobilenet.inputs, outputs: mobilenet.getLayer('flatten_1').output });
    const detector = await tf.loadGraphModel(tf.io.fromMemory(humanArtifacts('centernet')));
    return new FrameCnn(embedder, detector);
  }

  /**
   * `rgb` is CNN_INPUT² packed RGB bytes. `embed: false` skips MobileNetV2 (about a quarter of the CNN time):
   * the evidence models read the detector's class scores only; the embedding is then empty.
   */
  async run(rgb: Uint8Array, embed = true): Promise<FrameFeatures> {
    const [scores, emb] = tf.tidy((): TF.Tensor[] => {
      const img = tf.tensor3d(rgb, [CNN_INPUT, CNN_INPUT, 3], 'int32').toFloat().expandDims(0) as TF.Tensor4D;
      // centernet wants 0..255; its keypoint heatmaps are already probabilities (no second sigmoid).
      const heat = this.detector.execute(img, 'tower_0/keypoints') as TF.Tensor4D;
      const classScores = heat.max([1, 2]).squeeze([0]);
      if (!embed) return [classScores];
      const small = tf.image.resizeBilinear(img, [224, 224]).div(255);
      const embedding = (this.embedder.predict(small) as TF.Tensor).squeeze([0]);
      return [classScores, embedding];
    }) as [TF.Tensor, TF.Tensor?];
    const out = {
      embedding: emb ? ((await emb.data()) as Float32Array) : new Float32Array(0),
      classScores: (await scores.data()) as Float32Array,
    };
    emb?.dispose();
    scores.dispose();
    return out;
  }

  dispose(): void {
    this.embedder.dispose();
    this.detector.dispose();
  }
}
