/** The engine's handle on the CNN worker thread. */
import { Worker } from 'node:worker_threads';
import type { BackendReport } from './backend.ts';
import type { FrameFeatures } from './frame-cnn.ts';
import type { WorkerRequest, WorkerResponse } from './cnn-worker.ts';

export class CnnClient {
  private next = 1;
  private pending = new Map<number, { resolve: (f: FrameFeatures[]) => void; reject: (e: Error) => void }>();
  private constructor(private worker: Worker, readonly backend: BackendReport) {
    worker.on('message', (m: WorkerResponse) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'result') p?.resolve(m.features);
      else p?.reject(new Error(m.error));
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => this.failAll(new Error(`CNN worker exited with code ${code}`)));
  }

  static start(): Promise<CnnClient> {
    // Under tsx (CLI, tests) the worker is TypeScript and needs a JS entry that registers tsx; in the bundled
    // Electron build it is the compiled `cnn-worker.js` beside this code.
    const entry = import.meta.url.endsWith('.ts') ? './cnn-worker-entry.js' : './cnn-worker.js';
    const worker = new Worker(new URL(entry, import.meta.url));
    return new Promise((resolve, reject) => {
      const onMsg = (m: WorkerResponse) => {
        if (m.type === 'ready') { worker.off('message', onMsg); resolve(new CnnClient(worker, m.backend)); }
        if (m.type === 'fatal') { worker.off('message', onMsg); void worker.terminate(); reject(new Error(`could not start the frame CNNs: ${m.error}`)); }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
  }

  run(frames: Uint8Array[]): Promise<FrameFeatures[]> {
    const id = this.next++;
    // Copy into fresh buffers so they can be transferred without detaching the decoder's shared buffer.
    const bufs = frames.map((f) => f.slice().buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, frames: bufs } satisfies WorkerRequest, bufs);
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
