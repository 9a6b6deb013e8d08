/**
 * Pretrained CNN weights that ship inside npm packages; nothing is downloaded at run time.
 * nsfwjs bundles its weights as base64 JS shards; decoding them with Buffer and `tf.io.fromMemory` takes
 * ~80 ms where `nsfwjs.load()` takes 3.4 s.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { modelsDir, npmModelsDir, unpackedPackageDir } from '../core/resources.ts';
import { arrayBufferOf } from '../store/blob.ts';
import { CHECKSUMS, ChecksumError, readChecksums, verifyFile, verifyModelDir } from './checksums.ts';

// Not named `require`: electron-vite's ESM output declares its own `require` shim in the same chunk.
const requireCjs = createRequire(import.meta.url);

export interface ModelFile {
  name: string;
  file: string;
  /** present and, where checksums are recorded, intact (else `name` says what is wrong) */
  found: boolean;
}

/** The folder of the shipped video models and of resources/models/checksums.json (as tagger.ts defaultModelsDir). */
export function shippedModelsDir(): string {
  return modelsDir();
}

/** resources/models/checksums.json; GLIMPSE_MODEL_CHECKSUMS names another list (packagers, fault-injection tests). */
export function shippedChecksumsFile(): string {
  return process.env.GLIMPSE_MODEL_CHECKSUMS || path.join(shippedModelsDir(), CHECKSUMS);
}

function packageRootOf(pkg: string): string {
  const d = unpackedPackageDir(pkg);
  if (!d) throw new Error(`the package ${pkg} is not installed`);
  return d;
}

function nsfwModelsDir(): string {
  return npmModelsDir('nsfwjs');
}

function humanModelsDir(): string {
  return npmModelsDir('@vladmandic/human');
}

/** A frame CNN shipped inside an npm package: its manifest and how its shards are named and read. */
interface NpmModel {
  name: string;
  pkg: 'nsfwjs' | '@vladmandic/human';
  manifest: string;
  parse: (file: string) => tf.io.ModelJSON;
  shardFile: (p: string) => string;
  readShard: (file: string) => Buffer;
}

function nsfwModel(dir: string): NpmModel {
  const base = path.join(nsfwModelsDir(), dir);
  return {
    name: `${dir} (nsfwjs, frame embedding)`,
    pkg: 'nsfwjs',
    manifest: path.join(base, 'model.min.js'),
    parse: (f) => requireCjs(f) as tf.io.ModelJSON,
    shardFile: (p) => path.join(base, `${p}.min.js`),
    readShard: (f) => Buffer.from(requireCjs(f) as string, 'base64'),
  };
}

function humanModel(name: string): NpmModel {
  const jsonPath = path.join(humanModelsDir(), `${name}.json`);
  return {
    name: `${name} (@vladmandic/human, COCO-80)`,
    pkg: '@vladmandic/human',
    manifest: jsonPath,
    parse: (f) => JSON.parse(fs.readFileSync(f, 'utf8')) as tf.io.ModelJSON,
    shardFile: (p) => path.join(path.dirname(jsonPath), p),
    readShard: (f) => fs.readFileSync(f),
  };
}

/** The frame CNNs Glimpse loads. */
export function npmModels(): NpmModel[] {
  return [nsfwModel('mobilenet_v2'), humanModel('centernet')];
}

/** The key of an npm-shipped file in resources/models/checksums.json: `npm:<package>/<path in the package>`. */
export function npmKey(m: Pick<NpmModel, 'pkg'>, file: string): string {
  return `npm:${m.pkg}/${path.relative(packageRootOf(m.pkg), file).split(path.sep).join('/')}`;
}

export function npmPackageVersion(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRootOf(pkg), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Parse a manifest, naming the file when it is truncated or not a tfjs model. */
function parseManifest(m: NpmModel): tf.io.ModelJSON {
  let mj: tf.io.ModelJSON;
  try {
    mj = m.parse(m.manifest);
  } catch (e) {
    throw new Error(`${m.manifest}: unreadable model manifest (${(e as Error).message.split('\n')[0]})`);
  }
  if (!mj || !mj.modelTopology || !Array.isArray(mj.weightsManifest)) {
    throw new Error(`${m.manifest}: not a tfjs model manifest (modelTopology or weightsManifest missing)`);
  }
  return mj;
}

/**
 * The files of a frame CNN (manifest first, then its shards), each checked against resources/models/checksums.json
 * before it is parsed. `verify: false` lists them without checking (the script that writes the list).
 */
export function npmModelFiles(m: NpmModel, verify = true): { mj: tf.io.ModelJSON; files: string[] } {
  const listFile = shippedChecksumsFile();
  const list = verify ? readChecksums(listFile) : null;
  if (verify && !list) {
    throw new ChecksumError(
      `${listFile}: missing; the frame CNN weights cannot be checked (node --import tsx resources/models/checksums.ts)`,
      listFile,
    );
  }
  const check = (f: string) => list && verifyFile(f, list.files[npmKey(m, f)], listFile);
  check(m.manifest);
  const mj = parseManifest(m);
  const files = [m.manifest, ...mj.weightsManifest.flatMap((g) => g.paths.map(m.shardFile))];
  files.slice(1).forEach(check);
  return { mj, files };
}

/** Bytes a weight spec takes in a shard (quantized weights are stored in their quantized type). */
function specBytes(w: tf.io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const dtype = w.quantization?.dtype ?? w.dtype;
  return n * ({ float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 } as Record<string, number>)[dtype];
}

/** tfjs artifacts of a checked frame CNN: shards read in manifest order into one buffer, their size checked. */
function artifacts(m: NpmModel): tf.io.ModelArtifacts {
  const { mj, files } = npmModelFiles(m);
  const shards = files.slice(1).map((f) => {
    try {
      return m.readShard(f);
    } catch (e) {
      throw new Error(`${f}: unreadable weight shard (${(e as Error).message.split('\n')[0]})`);
    }
  });
  const weightSpecs = mj.weightsManifest.flatMap((g) => g.weights);
  const want = weightSpecs.reduce((a, w) => a + specBytes(w), 0);
  const got = shards.reduce((a, b) => a + b.length, 0);
  if (Number.isFinite(want) && want !== got) {
    throw new Error(`${files.slice(1).join(', ')}: weight shards hold ${got} bytes, ${m.manifest} needs ${want} (truncated or mismatched)`);
  }
  return {
    modelTopology: mj.modelTopology,
    format: mj.format,
    signature: mj.signature,
    weightSpecs,
    weightData: arrayBufferOf(Buffer.concat(shards)),
  };
}

/**
 * What `glimpse doctor` lists: each frame CNN (present and matching its checksums) and each shipped video model
 * (matching resources/models/checksums.json). A failure is said in `name` and makes `found` false.
 */
export function modelFiles(): ModelFile[] {
  const out: ModelFile[] = npmModels().map((m) => {
    try {
      npmModelFiles(m);
      return { name: m.name, file: m.manifest, found: true };
    } catch (e) {
      return { name: `${m.name}: ${(e as Error).message}`, file: (e as ChecksumError).file ?? m.manifest, found: false };
    }
  });
  const dir = shippedModelsDir();
  for (const d of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    if (!fs.existsSync(path.join(dir, d, 'manifest.json'))) continue;
    try {
      verifyModelDir(path.join(dir, d));
      out.push({ name: `shipped ${d} video model (checksums ok)`, file: path.join(dir, d), found: true });
    } catch (e) {
      out.push({ name: `shipped ${d} video model: ${(e as Error).message}`, file: path.join(dir, d), found: false });
    }
  }
  return out;
}

/**
 * Every frame CNN's files checked against their checksums, none loaded: a CNN worker refuses to start when any of
 * them is damaged, also the MobileNetV2 it loads only when an embedding is asked for (a damaged model install is
 * reported by the first scan, not by the first scan that happens to need that model).
 */
export function checkFrameCnnFiles(): void {
  for (const m of npmModels()) npmModelFiles(m);
}

/** nsfwjs' bundled models: model.min.js and base64 JS shards (`<shard>.min.js`), checked. */
export function nsfwArtifacts(dir: string): tf.io.ModelArtifacts {
  return artifacts(nsfwModel(dir));
}

/** @vladmandic/human's models: `<name>.json` and its binary shards beside it, checked. */
export function humanArtifacts(name: string): tf.io.ModelArtifacts {
  return artifacts(humanModel(name));
}
