/**
 * A model directory = manifest.json (everything needed to rebuild and to trust the weights) + weights.bin
 * (all variables as little-endian float32, concatenated in creation order).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
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
  // weights first, manifest last: a directory with a manifest is always complete
  await fs.writeFile(path.join(dir, 'weights.bin'), bin);
  await fs.writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function readManifest(dir: string): Promise<Manifest> {
  const m = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  if (m.format !== 'glimpse-video-model') throw new Error(`${dir}: not a Glimpse video model`);
  return m;
}

export async function loadModel(dir: string): Promise<VideoModel> {
  const m = await readManifest(dir);
  const bin = await fs.readFile(path.join(dir, m.weights.file));
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== m.weights.sha256) throw new Error(`${dir}: weights.bin sha256 ${sha} does not match the manifest`);
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
    if (!t || t.shape.join() !== v.shape.join()) throw new Error(`${dir}: weights for ${name} missing or mis-shaped`);
    const n = v.size;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = bin.readFloatLE(t.offset + i * 4);
    const val = tf.tensor(data, v.shape);
    v.assign(val);
    val.dispose();
  }
  return model;
}
