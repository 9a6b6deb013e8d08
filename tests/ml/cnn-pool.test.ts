/**
 * The CNN pool starts with one worker (a lone student video is faster that way on few cores) and grows to its size
 * when a scan has many frames; the features of a frame do not depend on which worker, or how many, ran it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CnnClient } from '../../main/ml/cnn-client.ts';
import { CNN_INPUT } from '../../main/ml/frame-cnn.ts';

test('one worker at start, the whole pool after grow, the same features either way', { timeout: 180_000 }, async () => {
  const cnn = await CnnClient.start(2);
  try {
    assert.equal(cnn.size, 1);
    const frames = [0, 80, 160, 240].map((v) => new Uint8Array(CNN_INPUT * CNN_INPUT * 3).fill(v));
    const one = await cnn.run(frames, { embed: false });
    await cnn.grow();
    assert.equal(cnn.size, cnn.backend.name === 'tensorflow-gpu' ? 1 : 2);
    const two = await cnn.run(frames, { embed: false });
    assert.equal(two.length, frames.length);
    two.forEach((f, i) => assert.deepEqual([...f.classScores], [...one[i].classScores], `frame ${i}`));
    await cnn.grow(); // again: nothing more to start
    assert.ok(cnn.size <= 2);
  } finally {
    await cnn.close();
  }
});
