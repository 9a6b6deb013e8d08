/**
 * An evidence model directory holds one manifest.json: the parameters (a few hundred numbers) with their sha256,
 * the frame pipeline the model was fitted on, its threshold, and what it was trained on.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import { writeModelChecksums } from '../checksums.ts';
import { FRAME_PIPELINE } from '../frame-cnn.ts';
import type { EvidenceParams } from './model.ts';
import { NUM_EVIDENCE, SUPPORT_SCORE } from './pool.ts';

export interface EvidenceManifest {
  format: 'glimpse-evidence-model';
  version: 1;
  family: 'evidence';
  role: 'teacher' | 'student';
  /** student: frames per video (uniform k); teacher: null (every frame of a teacher scan) */
  k: number | null;
  strategy: 'uniform' | null;
  /** frame pipeline whose features the parameters expect (FRAME_PIPELINE) */
  pipeline: string;
  labels: string[];
  /** calibrated probability at which a tag is emitted; tag scores are shifted so it sits at 0.5 */
  threshold: number;
  /** per-class thresholds (chosen out of fold, shrunk to `threshold`); null = `threshold` for every class */
  classThresholds: number[] | null;
  /** a tag needs one looked-at frame scoring its class at least this (else it stays below 0.5) */
  supportScore: number;
  params: EvidenceParams;
  paramsSha256: string;
  metrics: Record<string, unknown> | null;
  training: Record<string, unknown> | null;
  created: string;
}

const sha = (p: EvidenceParams): string => createHash('sha256').update(JSON.stringify(p)).digest('hex');

export function makeManifest(
  o: Pick<EvidenceManifest, 'role' | 'k' | 'labels' | 'threshold' | 'params' | 'metrics' | 'training'> & {
    classThresholds?: number[] | null;
  },
): EvidenceManifest {
  return {
    format: 'glimpse-evidence-model',
    version: 1,
    family: 'evidence',
    role: o.role,
    k: o.k,
    strategy: o.k ? 'uniform' : null,
    pipeline: FRAME_PIPELINE,
    labels: o.labels,
    threshold: o.threshold,
    classThresholds: o.classThresholds ?? null,
    supportScore: SUPPORT_SCORE,
    params: o.params,
    paramsSha256: sha(o.params),
    metrics: o.metrics,
    training: o.training,
    created: new Date().toISOString(),
  };
}

/** Writes atomically (temp file + fsync + rename), then its checksums.json: a crash never leaves half a manifest in use. */
export async function saveEvidenceModel(m: EvidenceManifest, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(m, null, 1)}\n`);
  await writeModelChecksums(dir);
}

/** Validates everything a wrong or damaged file could get wrong, naming the file in every error. */
export function checkEvidenceManifest(m: EvidenceManifest, file: string): EvidenceManifest {
  const bad = (why: string) => new Error(`${file}: ${why}`);
  if (m.format !== 'glimpse-evidence-model' || m.version !== 1) throw bad('not a Glimpse evidence model (format/version)');
  if (m.pipeline !== FRAME_PIPELINE) {
    throw bad(`fitted on frame pipeline ${m.pipeline}, this Glimpse computes ${FRAME_PIPELINE}: retrain it (glimpse train)`);
  }
  const p = m.params;
  const C = m.labels?.length ?? 0;
  const ok =
    p &&
    p.classes === C &&
    p.F === NUM_EVIDENCE &&
    p.w?.length === p.F &&
    p.u?.length === C * p.F &&
    p.beta?.length === C &&
    p.M?.length === p.F * p.F &&
    p.d?.length === p.F &&
    [p.b, ...p.w, ...p.u, ...p.beta, ...p.M, ...p.d].every(Number.isFinite);
  if (!ok) throw bad('parameters missing, mis-shaped or not finite');
  if (sha(p) !== m.paramsSha256) throw bad('parameters do not match their sha256 (the file was altered or damaged)');
  if (!(m.threshold > 0 && m.threshold < 1)) throw bad(`threshold ${m.threshold} is not a probability`);
  const ct = m.classThresholds ?? null;
  if (ct !== null && (!Array.isArray(ct) || ct.length !== C || !ct.every((t) => t > 0 && t < 1)))
    throw bad('classThresholds must be one probability per class');
  m.classThresholds = ct;
  return m;
}
