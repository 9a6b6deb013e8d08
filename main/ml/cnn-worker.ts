/** Worker thread that owns the frame CNNs, so inference never blocks the thread that serves the UI. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from './backend.ts';
import { CNN_INPUT, FrameCnn } from './frame-cnn.ts';

export type WorkerRequest = { id: number; frames: ArrayBuffer[]; embed: boolean };
export type WorkerResponse =
  | { type: 'ready'; backend: Awaited<ReturnType<typeof initBackend>> }
  | { type: 'fatal'; error: string }
  | { type: 'result'; id: number; features: { embedding: Float32Array; classScores: Float32Array }[]; buffers: ArrayBuffer[] }
  | { type: 'error'; id: number; error: string; buffers: ArrayBuffer[] };

const port = parentPort!;
try {
  const backend = await initBackend();
  const cnn = await FrameCnn.load();
  // Ready without a warm-up inference: the first inference of a fresh graph costs more than a steady one (kernels set
  // up, wasm tiered up: 0.35 vs 0.19 CPU-s here), and a warm-up on a blank frame pays that AND a whole frame nobody
  // asked for, on the cores a scan's decode and other worker need. Where the worker would idle anyway, the client
  // warms it (CnnClient.warm).
  port.postMessage({ type: 'ready', backend } satisfies WorkerResponse);
  port.on('message', async (msg: WorkerRequest) => {
    try {
      const features = [];
      for (const buf of msg.frames) {
        const rgb = new Uint8Array(buf);
        if (rgb.length !== CNN_INPUT * CNN_INPUT * 3)
          throw new Error(`frame has ${rgb.length} bytes, expected ${CNN_INPUT}x${CNN_INPUT}x3`);
        features.push(await cnn.run(rgb, msg.embed));
      }
      // the frame buffers go back to the client, which reuses them for the next frames (CnnWorker.run)
      port.postMessage({ type: 'result', id: msg.id, features, buffers: msg.frames } satisfies WorkerResponse, msg.frames);
    } catch (e) {
      port.postMessage(
        { type: 'error', id: msg.id, error: (e as Error).message, buffers: msg.frames } satisfies WorkerResponse,
        msg.frames,
      );
    }
  });
} catch (e) {
  port.postMessage({ type: 'fatal', error: (e as Error).message } satisfies WorkerResponse);
}
