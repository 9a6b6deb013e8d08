// Re-measures the frame CNN constants in flops.ts from the shipped model graphs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/ml/backend.ts';
import { graphModelFlops, layersModelFlops } from '../../main/ml/cnn-flops.ts';
import { CENTERNET_512_FLOPS, MOBILENET_V2_224_FLOPS } from '../../main/ml/flops.ts';
import { humanArtifacts, nsfwArtifacts } from '../../main/ml/model-files.ts';

test('MobileNetV2 embedder and centernet FLOPs from the loaded graphs', async () => {
  await initBackend();
  const m = await tf.loadLayersModel(tf.io.fromMemory(nsfwArtifacts('mobilenet_v2')));
  const emb = tf.model({ inputs: m.inputs, outputs: m.getLayer('flatten_1').output });
  assert.equal(layersModelFlops(emb).total, MOBILENET_V2_224_FLOPS);
  assert.ok(Math.abs(MOBILENET_V2_224_FLOPS / 2 / 300e6 - 1) < 0.01); // published ≈300 M MACs
  const g = await tf.loadGraphModel(tf.io.fromMemory(humanArtifacts('centernet')));
  assert.equal(graphModelFlops(g, [1, 512, 512, 3]).total, CENTERNET_512_FLOPS);
  m.dispose();
  g.dispose();
});
