/** Worker thread that owns the frame CNNs, so inference never blocks the thread that serves the UI. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from './backend.ts';
import { CNN_INPUT, FrameCnn } from './frame-cnn.ts';

export type WorkerRequest = { id: number; frames: ArrayBuffer[]; embed: boolean };
export type WorkerResponse =
  | { type: 'ready'; backend: Awaited<ReturnType<typeof initBackend>> }
  | { type: 'fatal'; error: string }
  | { type: 'result'; id: number; features: { embedding: Float32Array; classScores: Float32Array }[] }
  | { type: 'error'; id: number; error: string };

const port = parentPort!;
try {
  const backend = await initBackend();
  const cnn = await FrameCnn.load();
  // The first inference of a fresh graph costs about twice a steady one (kernels set up, memory allocated: 0.54 vs
  // 0.25 s on wasm here): pay it now, while the engine is still indexing, not on a video's first frame.
  await cnn.run(new Uint8Array(CNN_INPUT * CNN_INPUT * 3), false);
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
      port.postMessage({ type: 'result', id: msg.id, features } satisfies WorkerResponse);
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, error: (e as Error).message } satisfies WorkerResponse);
    }
  });
} catch (e) {
  port.postMessage({ type: 'fatal', error: (e as Error).message } satisfies WorkerResponse);
}
