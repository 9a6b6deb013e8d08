import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/ml/backend.ts';
import type { FeatureSpec } from '../../main/ml/features.ts';
import { makeRng } from '../../main/ml/rng.ts';
import { studentLoss } from '../../main/ml/train/losses.ts';
import type { Family } from '../../main/ml/video/config.ts';
import { VideoModel } from '../../main/ml/video/model.ts';
import { loadModel, readManifest, saveModel } from '../../main/ml/video/persist.ts';

const spec: FeatureSpec = { parts: 'both', embedDim: 12, scoreDim: 4, norm: 'l2' };
const SMALL = {
  hrnn: { hidden: 8, upperHidden: 6, blocks: 3 },
  netvlad: { clusters: 3, hidden: 6, gating: true },
  nextvlad: { clusters: 3, groups: 4, expansion: 2, hidden: 6, gatingReduction: 1 },
};
const rng = makeRng(5);
// variable lengths, including a 1-frame video (empty H-RNN blocks) to exercise the masks
const videos = [7, 1, 4].map((n) => Array.from({ length: n }, () => Array.from({ length: 16 }, () => rng.next())));
const labels = tf.tensor2d([
  [1, 0, 0, 1, 0],
  [0, 1, 0, 0, 0],
  [0, 0, 1, 1, 0],
]);

const cases: [Family, 'logistic' | 'moe', ('gru' | 'lstm')?][] = [
  ['hrnn', 'logistic', 'gru'],
  ['hrnn', 'moe', 'lstm'],
  ['netvlad', 'logistic'],
  ['netvlad', 'moe'],
  ['nextvlad', 'logistic'],
  ['nextvlad', 'moe'],
];

for (const [family, head, cell] of cases) {
  test(`${family}${cell ? `/${cell}` : ''} + ${head}: shapes, gradients reach every weight, save/load`, async () => {
    await initBackend();
    const overrides = { ...SMALL[family], ...(cell ? { cell } : {}), head: { type: head, experts: 2 }, dropout: 0.5 };
    const m = VideoModel.create(family, spec, 5, 42, overrides);
    const batch = m.makeBatch(m.prepare(videos));
    const f = m.forward(batch);
    // E is H-RNN's upper RNN state (upperHidden 6, not the lower RNN's 8) and the VLADs' hidden layer (6)
    assert.deepEqual(f.E.shape, [3, 6]);
    assert.deepEqual(f.probs.shape, [3, 5]);
    const p = f.probs.dataSync();
    assert.ok(p.every((x) => x > 0 && x < 1));

    // student loss with every term on: gradients must reach each variable
    const target = { E: tf.randomNormal([3, 6], 0, 1, 'float32', 1) as tf.Tensor2D, probs: tf.fill([3, 5], 0.3) as tf.Tensor2D };
    const { grads } = tf.variableGrads(
      () =>
        studentLoss(m.forward(batch, makeRng(1)), target, labels, {
          alpha: 1,
          beta: 1,
          terms: ['ce', 'rep', 'pred'],
          rep: 'mse',
          pred: 'mse',
        }).total,
      m.variables(),
    );
    const names = [...m.params.vars.keys()];
    m.variables().forEach((v, i) => {
      const g = grads[v.name];
      assert.ok(g, `no gradient for ${names[i]}`);
      assert.ok(tf.sum(tf.abs(g)).dataSync()[0] > 0, `zero gradient for ${names[i]}`);
    });

    // inference path and round trip through manifest + weights.bin
    const before = m.predict(videos);
    assert.equal(before.length, 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glimpse-model-'));
    m.meta = { role: 'student', k: 4, strategy: 'uniform', labels: ['a', 'b', 'c', 'd', 'e'], metrics: { gap: 0.5 } };
    await saveModel(m, dir);
    const man = await readManifest(dir);
    assert.equal(man.family, family);
    assert.equal(man.k, 4);
    assert.match(man.weights.sha256, /^[0-9a-f]{64}$/);
    const loaded = await loadModel(dir);
    const after = loaded.predict(videos);
    before.forEach((r, i) => r.forEach((x, j) => assert.ok(Math.abs(x - after[i][j]) < 1e-6)));
    assert.deepEqual(loaded.represent(videos), m.represent(videos));
    // a tampered weights file is refused
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    bin[0] ^= 1;
    fs.writeFileSync(path.join(dir, 'weights.bin'), bin);
    await assert.rejects(loadModel(dir), /sha256/);
    fs.rmSync(dir, { recursive: true });
    m.dispose();
    loaded.dispose();
  });
}

test('padding does not change a video’s output (masks)', async () => {
  await initBackend();
  for (const family of ['hrnn', 'netvlad', 'nextvlad'] as Family[]) {
    const m = VideoModel.create(family, spec, 5, 3, SMALL[family]);
    const alone = m.predict([videos[2]])[0];
    const padded = m.predict(videos)[2]; // batched next to a longer video
    alone.forEach((x, j) => assert.ok(Math.abs(x - padded[j]) < 1e-5, `${family}: ${x} vs ${padded[j]}`));
    m.dispose();
  }
});
