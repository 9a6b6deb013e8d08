/** Worker thread that trains the library's models, so hours of matrix maths never block the thread serving the UI. */
import { parentPort, workerData } from 'node:worker_threads';
import { trainOnLibrary, type LibraryTrainOptions } from './library-training.ts';

export type TrainWorkerMessage =
  | { type: 'progress'; done: number; total: number; message: string }
  | { type: 'done'; report: Awaited<ReturnType<typeof trainOnLibrary>> }
  | { type: 'error'; error: string };

const port = parentPort!;
const opts = workerData as Omit<LibraryTrainOptions, 'onProgress'>;
try {
  const report = await trainOnLibrary({
    ...opts,
    onProgress: (done, total, message) => port.postMessage({ type: 'progress', done, total, message } satisfies TrainWorkerMessage),
  });
  port.postMessage({ type: 'done', report } satisfies TrainWorkerMessage);
} catch (e) {
  port.postMessage({ type: 'error', error: (e as Error).message } satisfies TrainWorkerMessage);
}
