/**
 * `node --import tsx tests/bench/cnn-batch.ts [--n 4]`: does feeding the detector several frames per inference
 * call pay on this backend? centernet's graph declares batch 1 (tower_0/images [1,512,512,3]); here the
 * placeholder is relaxed to a free batch dimension in memory, n frames run one by one and as one batch, and the
 * per-frame milliseconds and the largest score difference are printed. Measured on wasm (2 cores, shared load):
 * 860 ms/frame single, 864 ms/frame batched, max difference 0 — no gain, so scans keep one frame per call.
 * Re-run on tfjs-node / a GPU, where batching usually does pay.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/ml/backend.ts';
import { CNN_INPUT } from '../../main/ml/frame-cnn.ts';
import { humanArtifacts } from '../../main/ml/model-files.ts';

const { values: a } = parseArgs({ options: { n: { type: 'string', default: '4' } } });
const N = Number(a.n);
const backend = await initBackend();
const art = humanArtifacts('centernet');
for (const node of (art.modelTopology as { node: { op: string; attr: { shape: { shape: { dim: { size: string }[] } } } }[] }).node)
  if (node.op === 'Placeholder') node.attr.shape.shape.dim[0].size = '-1';
const det = await tf.loadGraphModel(tf.io.fromMemory(art));
const imgs = Array.from({ length: N }, (_, i) => tf.randomUniform([1, CNN_INPUT, CNN_INPUT, 3], 0, 255, 'float32', i + 1));
const classScores = async (x: tf.Tensor) => {
  const heat = det.execute(x, 'tower_0/keypoints') as tf.Tensor;
  const m = heat.max([1, 2]);
  const d = (await m.data()) as Float32Array;
  heat.dispose();
  m.dispose();
  return d;
};
await classScores(imgs[0]); // warm-up: kernels compiled, weights uploaded
let t0 = performance.now();
const single: Float32Array[] = [];
for (const x of imgs) single.push(await classScores(x));
const singleMs = (performance.now() - t0) / N;
const batch = tf.concat(imgs);
await classScores(tf.concat(imgs.slice(0, 2))); // warm-up at a batch shape
t0 = performance.now();
const batched = await classScores(batch);
const batchMs = (performance.now() - t0) / N;
const classes = single[0].length;
let maxDiff = 0;
for (let i = 0; i < N; i++)
  for (let c = 0; c < classes; c++) maxDiff = Math.max(maxDiff, Math.abs(batched[i * classes + c] - single[i][c]));
console.log(
  JSON.stringify({
    backend: backend.name,
    frames: N,
    singleMsPerFrame: +singleMs.toFixed(0),
    batchMsPerFrame: +batchMs.toFixed(0),
    maxDiff,
  }),
);
