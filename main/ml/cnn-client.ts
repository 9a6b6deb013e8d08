/**
 * The engine's handle on the frame CNNs: a pool of worker threads, each with its own tfjs backend and model
 * copy. One video's frames are split across the workers, so a scan uses every core the pool has.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendReport } from './backend.ts';
import type { FrameFeatures } from './frame-cnn.ts';
import type { WorkerRequest, WorkerResponse } from './cnn-worker.ts';
import { envNumber } from '../core/env.ts';
import { workerScript } from '../core/resources.ts';

/**
 * Workers in the pool: GLIMPSE_CNN_WORKERS, else one per core. Keeping a core back for ffmpeg (cores − 1, the old
 * default) left it half idle: measured on 2 cores over the 158 real clips (`npm run bench -- --only throughput`),
 * 1 worker kept 1.49 cores busy (0.36 videos/s), 2 workers 1.81 (0.48 videos/s, 1.33×), and a lone long video's
 * k frames are split across every worker. The engine runs in its own process, so the UI does not wait on it.
 * A native GPU backend gets one worker: the GPU is the shared resource there, not the cores.
 */
export function defaultCnnWorkers(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.min(16, Math.floor(envNumber('GLIMPSE_CNN_WORKERS', Math.max(1, cores), { min: 1 })));
}

class CnnWorker {
  private next = 1;
  private pending = new Map<number, { resolve: (f: FrameFeatures[]) => void; reject: (e: Error) => void }>();
  private constructor(
    private worker: Worker,
    readonly backend: BackendReport,
  ) {
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

  static start(): Promise<CnnWorker> {
    const worker = new Worker(workerScript('cnn-worker'));
    return new Promise((resolve, reject) => {
      const onMsg = (m: WorkerResponse) => {
        if (m.type === 'ready') {
          worker.off('message', onMsg);
          resolve(new CnnWorker(worker, m.backend));
        }
        if (m.type === 'fatal') {
          worker.off('message', onMsg);
          void worker.terminate();
          reject(new Error(`could not start the frame CNNs: ${m.error}`));
        }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
  }

  get busy(): number {
    return this.pending.size;
  }

  run(frames: Uint8Array[], embed: boolean): Promise<FrameFeatures[]> {
    const id = this.next++;
    // Copy into fresh buffers so they can be transferred without detaching the decoder's shared buffer.
    const bufs = frames.map((f) => f.slice().buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, frames: bufs, embed } satisfies WorkerRequest, bufs);
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

export class CnnClient {
  private constructor(private workers: CnnWorker[]) {}

  /** `size` workers (default `defaultCnnWorkers()`); fewer when the backend is a GPU. */
  static async start(size = defaultCnnWorkers()): Promise<CnnClient> {
    // All at once (each loads tfjs and the models on its own core, ~1.5 s here); a GPU backend keeps only the first.
    const started = await Promise.allSettled(Array.from({ length: Math.max(1, size) }, () => CnnWorker.start()));
    const ok = started.filter((s): s is PromiseFulfilledResult<CnnWorker> => s.status === 'fulfilled').map((s) => s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((w) => w.close()));
      throw failed.reason;
    }
    const keep = ok[0].backend.name === 'tensorflow-gpu' ? 1 : ok.length;
    await Promise.all(ok.slice(keep).map((w) => w.close()));
    return new CnnClient(ok.slice(0, keep));
  }

  get backend(): BackendReport {
    return this.workers[0].backend;
  }
  get size(): number {
    return this.workers.length;
  }

  /**
   * Features of every frame, in order. Frames are cut into contiguous chunks, one per worker. `embed: false`
   * skips the MobileNetV2 embedding (models that read class scores only).
   */
  async run(frames: Uint8Array[], opts: { embed?: boolean } = {}): Promise<FrameFeatures[]> {
    if (!frames.length) return [];
    const n = Math.min(this.workers.length, frames.length);
    // least busy workers first, so two videos in flight do not queue on the same thread
    const order = [...this.workers].sort((a, b) => a.busy - b.busy).slice(0, n);
    const per = Math.ceil(frames.length / n);
    const parts = await Promise.all(
      order.map((w, i) =>
        i * per < frames.length ? w.run(frames.slice(i * per, (i + 1) * per), opts.embed ?? true) : Promise.resolve([]),
      ),
    );
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
