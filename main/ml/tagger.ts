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
import { modelsDir } from '../core/resources.ts';
import { initBackend } from './backend.ts';
import { verifyModelDir } from './checksums.ts';
import { videoModelFlops } from './flops.ts';
import { probabilities } from './evidence/model.ts';
import { checkEvidenceManifest, type EvidenceManifest } from './evidence/persist.ts';
import { poolEvidence } from './evidence/pool.ts';
import { classScoresOf } from './frame-vector.ts';
import { detectorMaxPool, maxPool } from './pooling.ts';
import { toTagScores } from './evidence/protocol.ts';
import type { Manifest } from './video/persist.ts';

/**
 * The tfjs video models (and tfjs itself, ~1 s to import) load on first use: `glimpse search`, `tags` and `--help`
 * import the engine and must start without them.
 */
const videoPersist = () => import('./video/persist.ts');

export type AnyManifest = Manifest | EvidenceManifest;

export interface Tagger {
  dir: string;
  manifest: AnyManifest;
  /** Tag scores of one video (≥ 0.5 = tagged) from its raw cached frame vectors ([embedding | class scores] each). */
  predict(frames: ArrayLike<number>[]): Float32Array;
  /** Video-model FLOPs for a video of `frames` frames (frame CNNs excluded). */
  flops(frames: number): number;
  /** short name stored with each scan, e.g. `student:evidence@10` */
  name: string;
  /**
   * The probability a class must reach to be tagged, which `predict` moved to 0.5 (evidence models, one threshold);
   * 0.5 when the scores are the probabilities themselves; null when each class has its own line.
   */
  probabilityLine: number | null;
  dispose(): void;
}

/** manifest.json of a model folder, of either format (no weights loaded). */
export async function readAnyManifest(dir: string): Promise<AnyManifest> {
  const file = path.join(dir, 'manifest.json');
  // manifest.json and weights.bin against their recorded sha256 first (hashed once per process): never tag with a damaged model
  verifyModelDir(dir);
  let m: AnyManifest;
  try {
    m = JSON.parse(await fs.promises.readFile(file, 'utf8')) as AnyManifest;
  } catch (e) {
    throw new Error(`${file}: unreadable model manifest (${(e as Error).message.split('\n')[0]})`);
  }
  return m.format === 'glimpse-evidence-model' ? checkEvidenceManifest(m, file) : (await videoPersist()).readManifest(dir);
}

/**
 * An evidence model (main/ml/evidence): pooled per-class detector evidence → calibrated probability → tag score.
 * A class no looked-at frame supports (best score < supportScore) is kept below the tag line, whatever the
 * calibration says: a tag always points at a frame that shows it.
 */
function evidenceTagger(dir: string, m: EvidenceManifest): Tagger {
  const C = m.labels.length;
  return {
    dir,
    manifest: m,
    name: `${m.role}:evidence${m.k ? `@${m.k}` : ''}`,
    probabilityLine: m.classThresholds ? null : m.threshold,
    predict(frames) {
      const scores = frames.map((f) => classScoresOf(f, C));
      const s = toTagScores(probabilities(m.params, poolEvidence(scores, C)), m.classThresholds ?? m.threshold);
      const best = maxPool(scores, C);
      for (let c = 0; c < C; c++) if (best[c] < m.supportScore && s[c] >= 0.5) s[c] = 0.49;
      return Float32Array.from(s);
    },
    // pooling (≈8 operations per frame and class) and the per-class model (adapter F² + weights F)
    flops: (n) => C * (8 * n + 2 * m.params.F * m.params.F + 2 * m.params.F + 2),
    dispose() {},
  };
}

export function blendWeightsOf(m: Manifest): number[] | null {
  const w = (m.training as { blendWeights?: unknown } | null)?.blendWeights;
  return Array.isArray(w) && w.length === m.config.numClasses && w.every((x) => typeof x === 'number') ? (w as number[]) : null;
}

export async function loadTagger(dir: string): Promise<Tagger> {
  const any = await readAnyManifest(dir);
  if (any.format === 'glimpse-evidence-model') return evidenceTagger(dir, any);
  const manifest = any;
  await initBackend(); // the tfjs backend, started here (not for evidence models): ~0.6 CPU-s nobody else needs
  const model = await (await videoPersist()).loadModel(dir);
  const weights = blendWeightsOf(manifest);
  const role = manifest.role;
  return {
    dir,
    manifest,
    dispose: () => model.dispose(),
    name: `${role}:${manifest.family}${role === 'student' && manifest.k ? `@${manifest.k}` : ''}`,
    probabilityLine: 0.5,
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
  return modelsDir();
}

/** A model folder: an evidence manifest alone, or a tfjs video model's manifest with its weights.bin. */
export function hasModel(dir: string): boolean {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) return false;
  if (fs.existsSync(path.join(dir, 'weights.bin'))) return true;
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: string }).format === 'glimpse-evidence-model';
  } catch {
    return false;
  }
}
