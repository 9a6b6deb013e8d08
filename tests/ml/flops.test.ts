import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  contextGatingFlops,
  conv2dFlops,
  denseFlops,
  depthwiseConv2dFlops,
  gruFlops,
  lstmFlops,
  moeFlops,
  netvladFlops,
  nextvladFlops,
  seGatingFlops,
  videoModelFlops,
  videoPipelineFlops,
  MOBILENET_V2_224_FLOPS,
  CENTERNET_512_FLOPS,
} from '../../main/ml/flops.ts';
import { makeConfig } from '../../main/ml/video/config.ts';

test('layer counts by hand', () => {
  assert.equal(denseFlops(10, 20), 400);
  assert.equal(lstmFlops(3, 2, 5), 5 * 2 * (4 * 2 * (3 + 2))); // 4 gates, W:3×2 + U:2×2 per gate → 40 MAC/step
  assert.equal(gruFlops(3, 2, 1), 2 * 30);
  // 3×3 conv, 4→8 channels, 5×5 output: 25·9·4·8 = 7200 MAC
  assert.equal(conv2dFlops({ outH: 5, outW: 5, kh: 3, kw: 3, cin: 4, cout: 8 }), 14400);
  assert.equal(depthwiseConv2dFlops({ outH: 5, outW: 5, kh: 3, kw: 3, cin: 4 }), 2 * 900);
  // NetVLAD T=2, D=3, K=4: assignment 2·3·4 = 24 MAC + aggregation 24 MAC
  assert.equal(netvladFlops(2, 3, 4), 96);
  // NeXtVLAD T=1, D=2, λ=2, G=2, K=3: expand 2·4=8, attention 4·2=8, assign 4·6=24, aggregate 2·3·2=12 → 52 MAC
  assert.equal(nextvladFlops(1, 2, 2, 2, 3), 104);
  assert.equal(moeFlops(4, 3, 2), 2 * (4 * 9 + 4 * 6));
  assert.equal(contextGatingFlops(5), 50);
  assert.equal(seGatingFlops(16, 4), 2 * (16 * 4 + 4 * 16));
});

test('video models: hand counts and linear scaling in frames', () => {
  const c = makeConfig('hrnn', 10, 3, { hidden: 4, upperHidden: 2, blocks: 5, head: { type: 'logistic', experts: 0 } });
  const r = videoModelFlops(c, 20);
  // GRU lower: 20 steps · 3·4·(10+4) = 3360 MAC; upper: 5 · 3·2·(4+2) = 180; head 2·3 = 6
  assert.equal(r.total, 2 * (3360 + 180 + 6));
  assert.equal(videoModelFlops(c, 2).parts.upperRnn, 2 * 2 * 36); // only 2 non-empty blocks
  const v = makeConfig('netvlad', 10, 3, { clusters: 2, hidden: 4, gating: true, head: { type: 'moe', experts: 1 } });
  assert.equal(videoModelFlops(v, 7).total, 2 * (2 * 7 * 10 * 2 + 20 * 4 + 16 + (4 * 6 + 4 * 3)));
  const n = makeConfig('nextvlad', 8, 3, {});
  assert.ok(videoModelFlops(n, 30).total > videoModelFlops(n, 3).total);
});

test('pipeline: CNN cost dominates and scales with frames (the paper’s ≈90% saving)', () => {
  // (the two CNN constants are measured from the shipped graphs in flops-cnn.test.ts)
  const c = makeConfig('hrnn', 1360, 80);
  const t = videoPipelineFlops(c, 30);
  assert.equal(t.parts.frameCnn, 30 * (MOBILENET_V2_224_FLOPS + CENTERNET_512_FLOPS), 'both CNNs on every decoded frame');
  assert.ok(t.parts.frameCnn / t.total > 0.99, `CNN share ${t.parts.frameCnn / t.total}`);
  // scans for the evidence models skip MobileNetV2: only the detector is paid for
  assert.equal(videoPipelineFlops(c, 30, { embedding: false, scores: true }).parts.frameCnn, 30 * CENTERNET_512_FLOPS);
  const teacher = t.total,
    student = videoPipelineFlops(c, 3).total;
  assert.ok(student / teacher < 0.12, `ratio ${student / teacher}`);
});
