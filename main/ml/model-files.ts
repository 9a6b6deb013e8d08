/**
 * Pretrained CNN weights that ship inside npm packages; nothing is downloaded at run time.
 * nsfwjs bundles its weights as base64 JS shards; decoding them with Buffer and `tf.io.fromMemory` takes
 * ~80 ms where `nsfwjs.load()` takes 3.4 s.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { arrayBufferOf } from '../store/blob.ts';

const require = createRequire(import.meta.url);

export interface ModelFile {
  name: string;
  file: string;
  found: boolean;
}

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

/** A tfjs model.json (parsed) with the weights of its shards, read in manifest order by `shard`, in one buffer. */
function artifacts(mj: tf.io.ModelJSON, shard: (p: string) => Buffer): tf.io.ModelArtifacts {
  return {
    modelTopology: mj.modelTopology,
    format: mj.format,
    signature: mj.signature,
    weightSpecs: mj.weightsManifest.flatMap((g) => g.weights),
    weightData: arrayBufferOf(Buffer.concat(mj.weightsManifest.flatMap((g) => g.paths.map(shard)))),
  };
}

/** nsfwjs' bundled models: model.min.js and base64 JS shards (`<shard>.min.js`). */
export function nsfwArtifacts(dir: string): tf.io.ModelArtifacts {
  const base = path.join(nsfwModelsDir(), dir);
  return artifacts(require(path.join(base, 'model.min.js')) as tf.io.ModelJSON, (p) =>
    Buffer.from(require(path.join(base, `${p}.min.js`)) as string, 'base64'),
  );
}

/** @vladmandic/human's models: `<name>.json` and its binary shards beside it. */
export function humanArtifacts(name: string): tf.io.ModelArtifacts {
  const jsonPath = path.join(humanModelsDir(), `${name}.json`);
  return artifacts(JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON, (p) =>
    fs.readFileSync(path.join(path.dirname(jsonPath), p)),
  );
}
