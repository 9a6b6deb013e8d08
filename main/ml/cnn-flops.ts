/**
 * FLOPs of the frame CNNs counted from the loaded tfjs models (the tests check the constants in flops.ts against
 * these). Apart from flops.ts so that the engine's cost arithmetic does not import tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dFlops, denseFlops, depthwiseConv2dFlops, type FlopReport, report } from './flops.ts';

/** Count conv/dense FLOPs of a Keras-style LayersModel from its layer shapes. */
export function layersModelFlops(model: tf.LayersModel): FlopReport {
  const parts: Record<string, number> = {};
  for (const l of model.layers) {
    const cls = l.getClassName();
    const out = (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[];
    const w = l.getWeights()[0]?.shape as number[] | undefined;
    if (!w) continue;
    let f = 0;
    if (cls === 'Conv2D') f = conv2dFlops({ outH: out[1]!, outW: out[2]!, kh: w[0], kw: w[1], cin: w[2], cout: w[3] });
    else if (cls === 'DepthwiseConv2D')
      f = depthwiseConv2dFlops({ outH: out[1]!, outW: out[2]!, kh: w[0], kw: w[1], cin: w[2], multiplier: w[3] });
    else if (cls === 'Dense') f = denseFlops(w[0], w[1]);
    if (f) parts[l.name] = f;
  }
  return report(parts);
}

interface GraphNode {
  name: string;
  op: string;
  inputs: GraphNode[];
}

/**
 * Count conv/matmul FLOPs of a GraphModel: output shapes come from one real execution (graph models carry no
 * static shapes), kernel shapes from the weights.
 */
export function graphModelFlops(model: tf.GraphModel, inputShape: number[]): FlopReport {
  const CONV = new Set(['Conv2D', '_FusedConv2D']);
  const DW = new Set(['DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
  const MM = new Set(['MatMul', '_FusedMatMul']);
  // executor is not in tfjs' public typings; it is the only place node ops are exposed
  const nodes = Object.values(
    (model as unknown as { executor: { graph: { nodes: Record<string, GraphNode> } } }).executor.graph.nodes,
  ).filter((n) => CONV.has(n.op) || DW.has(n.op) || MM.has(n.op));
  const weights = (model as unknown as { weights: Record<string, tf.Tensor[]> }).weights;
  const x = tf.zeros(inputShape);
  const outs = model.execute(
    x,
    nodes.map((n) => n.name),
  ) as tf.Tensor[];
  const parts: Record<string, number> = {};
  nodes.forEach((n, i) => {
    const o = outs[i].shape as number[],
      w = weights[n.inputs[1]?.name]?.[0]?.shape as number[] | undefined;
    if (!w) return;
    parts[n.name] = CONV.has(n.op)
      ? conv2dFlops({ outH: o[1], outW: o[2], kh: w[0], kw: w[1], cin: w[2], cout: w[3] })
      : DW.has(n.op)
        ? depthwiseConv2dFlops({ outH: o[1], outW: o[2], kh: w[0], kw: w[1], cin: w[2], multiplier: w[3] })
        : denseFlops(w[0], w[1], o.length > 1 ? o.slice(0, -1).reduce((a, b) => a * b, 1) : 1);
  });
  x.dispose();
  outs.forEach((t) => t.dispose());
  return report(parts);
}
