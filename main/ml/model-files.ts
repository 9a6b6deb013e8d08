/**
 * Pretrained CNN weights that ship inside npm packages; nothing is downloaded at run time.
 * nsfwjs bundles its weights as base64 JS shards; decoding them with Buffer and `tf.io.fromMemory` takes
 * ~80 ms where `nsfwjs.load()` takes 3.4 s.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

export interface ModelFile { name: string; file: string; found: boolean }

function nsfwModelsDir(): string {
  return path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models');
}

function humanModelsDir(): string {
  let dir = path.dirname(require.resolve('@vladmandic/human'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'models');
}

export function modelFiles(): ModelFile[] {
  const list = [
    { name: 'mobilenet_v2 (nsfwjs, frame embedding)', file: path.join(nsfwModelsDir(), 'mobilenet_v2', 'model.min.js') },
    { name: 'centernet (@vladmandic/human, COCO-80)', file: path.join(humanModelsDir(), 'centernet.json') },
  ];
  return list.map((m) => ({ ...m, found: fs.existsSync(m.file) }));
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export function nsfwArtifacts(dir: string): tf.io.ModelArtifacts {
  const base = path.join(nsfwModelsDir(), dir);
  const mj = require(path.join(base, 'model.min.js'));
  const all = Buffer.concat(mj.weightsManifest.flatMap((g: { paths: string[] }) =>
    g.paths.map((p) => Buffer.from(require(path.join(base, `${p}.min.js`)) as string, 'base64'))));
  return {
    modelTopology: mj.modelTopology, format: mj.format,
    weightSpecs: mj.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights),
    weightData: toArrayBuffer(all),
  };
}

export function humanArtifacts(name: string): tf.io.ModelArtifacts {
  const jsonPath = path.join(humanModelsDir(), `${name}.json`);
  const mj = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const all = Buffer.concat(mj.weightsManifest.flatMap((g: { paths: string[] }) =>
    g.paths.map((p) => fs.readFileSync(path.join(path.dirname(jsonPath), p)))));
  return {
    modelTopology: mj.modelTopology, format: mj.format, signature: mj.signature,
    weightSpecs: mj.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights),
    weightData: toArrayBuffer(all),
  };
}
