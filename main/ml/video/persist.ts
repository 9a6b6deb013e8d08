/**
 * A model directory = manifest.json (everything needed to rebuild and to trust the weights) + weights.bin
 * (all variables as little-endian float32, concatenated in creation order).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import { writeModelChecksums } from '../checksums.ts';
import type { FeatureSpec } from '../features.ts';
import type { VideoModelConfig } from './config.ts';
import { type ModelMeta, VideoModel } from './model.ts';

export interface Manifest {
  format: 'glimpse-video-model';
  version: 1;
  family: VideoModelConfig['family'];
  role: ModelMeta['role'];
  config: VideoModelConfig;
  features: FeatureSpec;
  k: number | null;
  strategy: string | null;
  labels: string[] | null;
  metrics: Record<string, unknown> | null;
  training: Record<string, unknown> | null;
  created: string;
  weights: { file: 'weights.bin'; sha256: string; bytes: number; tensors: { name: string; shape: number[]; offset: number }[] };
}

export async function saveModel(model: VideoModel, dir: string): Promise<Manifest> {
  await fs.mkdir(dir, { recursive: true });
  const tensors: Manifest['weights']['tensors'] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, v] of model.params.vars) {
    const data = v.dataSync() as Float32Array;
    const buf = Buffer.alloc(data.length * 4);
    for (let i = 0; i < data.length; i++) buf.writeFloatLE(data[i], i * 4);
    tensors.push({ name, shape: v.shape, offset });
    chunks.push(buf);
    offset += buf.length;
  }
  const bin = Buffer.concat(chunks);
  const m = model.meta;
  const manifest: Manifest = {
    format: 'glimpse-video-model',
    version: 1,
    family: model.config.family,
    role: m.role,
    config: model.config,
    features: model.features,
    k: m.k ?? null,
    strategy: m.strategy ?? null,
    labels: m.labels ?? null,
    metrics: m.metrics ?? null,
    training: m.training ?? null,
    created: m.created ?? new Date().toISOString(),
    weights: { file: 'weights.bin', sha256: createHash('sha256').update(bin).digest('hex'), bytes: bin.length, tensors },
  };
  // weights first, manifest next, checksums last, each atomically: a directory with a manifest is always complete
  await writeFileAtomic(path.join(dir, 'weights.bin'), bin);
  await writeFileAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeModelChecksums(dir);
  return manifest;
}

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, 'manifest.json');
  let m: Manifest;
  try {
    m = JSON.parse(await fs.readFile(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new Error(`${file}: unreadable model manifest (${(e as Error).message.split('\n')[0]})`);
  }
  if (m?.format !== 'glimpse-video-model') throw new Error(`${file}: not a Glimpse video model`);
  if (!m.weights || !Array.isArray(m.weights.tensors)) throw new Error(`${file}: weights section missing`);
  return m;
}

export async function loadModel(dir: string): Promise<VideoModel> {
  const m = await readManifest(dir);
  const binFile = path.join(dir, m.weights.file);
  const bin = await fs.readFile(binFile);
  if (bin.length !== m.weights.bytes)
    throw new Error(`${binFile}: ${bin.length} bytes, the manifest says ${m.weights.bytes} (truncated or damaged)`);
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== m.weights.sha256)
    throw new Error(`${binFile}: sha256 ${sha}, expected ${m.weights.sha256} from the manifest (damaged or altered)`);
  const model = new VideoModel(m.config, m.features, null, {
    role: m.role,
    k: m.k ?? undefined,
    strategy: (m.strategy ?? undefined) as ModelMeta['strategy'],
    labels: m.labels ?? undefined,
    metrics: m.metrics ?? undefined,
    training: m.training ?? undefined,
    created: m.created,
  });
  const byName = new Map(m.weights.tensors.map((t) => [t.name, t]));
  for (const [name, v] of model.params.vars) {
    const t = byName.get(name);
    if (!t || t.shape.join() !== v.shape.join())
      throw new Error(`${path.join(dir, 'manifest.json')}: weights for ${name} missing or mis-shaped`);
    if (t.offset + v.size * 4 > bin.length) throw new Error(`${binFile}: too short for ${name} (truncated)`);
    const n = v.size;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = bin.readFloatLE(t.offset + i * 4);
    const val = tf.tensor(data, v.shape);
    v.assign(val);
    val.dispose();
  }
  return model;
}
