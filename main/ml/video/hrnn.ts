/**
 * Hierarchical RNN (the paper's H-RNN): a lower RNN, shared by all blocks, encodes each block of frames; an
 * upper RNN runs over the block encodings. E = the upper RNN's final hidden state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './batch.ts';
import type { HrnnConfig } from './config.ts';
import type { Params } from './params.ts';
import { createRnn, runRnn } from './rnn.ts';

export function createHrnn(p: Params, c: HrnnConfig, inputDim: number): void {
  createRnn(p, 'lower', c.cell, inputDim, c.hidden);
  createRnn(p, 'upper', c.cell, c.hidden, c.upperHidden);
}

export function encodeHrnn(p: Params, c: HrnnConfig, batch: Batch): tf.Tensor2D {
  const blockStates = runRnn(p, 'lower', c.cell, c.hidden, batch.x, batch.mask); // [B·blocks, H]
  const seq = tf.reshape(blockStates, [batch.size, c.blocks, c.hidden]) as tf.Tensor3D;
  return runRnn(p, 'upper', c.cell, c.upperHidden, seq, batch.blockMask!);
}
