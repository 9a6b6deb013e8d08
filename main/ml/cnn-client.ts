/**
 * The engine's handle on the frame CNNs: a pool of worker threads, each with its own tfjs backend and model
 * copy. One video's frames are split across the workers, so a scan uses every core the pool has.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendReport } from './backend.ts';
import { CNN_INPUT, type FrameFeatures } from './frame-cnn.ts';
import type { WorkerRequest, WorkerResponse } from './cnn-worker.ts';
import { envNumber } from '../core/env.ts';
import { workerScript } from '../core/resources.ts';

/**
 * Workers in the pool at most: GLIMPSE_CNN_WORKERS, else one per core (see CnnClient.start for when they start).
 * A native GPU backend gets one worker: the GPU is the shared resource there, not the cores.
 */
export function defaultCnnWorkers(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.min(16, Math.floor(envNumber('GLIMPSE_CNN_WORKERS', Math.max(1, cores), { min: 1 })));
}

/** Frame buffers a worker keeps for reuse: a run sends one frame at a time (CnnRun), a warm-up one, a test a few. */
const SPARE_BUFFERS = 4;

export class CnnWorker {
  private next = 1;
  /** frames sent to this worker so far, a warm-up's blank frame included */
  private sent = 0;
  private pending = new Map<number, { resolve: (f: FrameFeatures[]) => void; reject: (e: Error) => void }>();
  private idleWaiters: (() => void)[] = [];
  /** frame buffers the worker gave back, reused by `run` */
  private spare: ArrayBuffer[] = [];
  private constructor(
    private worker: Worker,
    readonly backend: BackendReport,
  ) {
    worker.on('message', (m: WorkerResponse) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      // the frame buffers it moved back, kept for the next frames (SPARE_BUFFERS at most)
      this.spare = [...this.spare, ...m.buffers].slice(-SPARE_BUFFERS);
      if (m.type === 'result') p?.resolve(m.features);
      else p?.reject(new Error(m.error));
      this.wakeIdle();
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

  /** Resolves once the worker has nothing to do (at once when it has nothing now). */
  idle(): Promise<void> {
    return this.pending.size ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  private wakeIdle(): void {
    if (!this.pending.size) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Frames this worker has been given (0: its first inference, with its one-off set-up, is still to come). */
  get framesRun(): number {
    return this.sent;
  }

  /**
   * One blank frame through the detector if this worker has run none: it pays the first inference's set-up (kernels,
   * memory, wasm tier-up: ~0.15 CPU-s more than a steady frame here) now, while it would idle, instead of on a video's
   * first frame. Never called where frames wait: there the blank frame would be a whole frame of work for nothing.
   */
  async warm(): Promise<void> {
    if (this.sent) return;
    await this.run([new Uint8Array(CNN_INPUT * CNN_INPUT * 3)], false);
  }

  run(frames: Uint8Array[], embed: boolean): Promise<FrameFeatures[]> {
    const id = this.next++;
    this.sent += frames.length;
    // Each frame is copied into a buffer that is moved to the worker, so the caller's array stays whole. The worker
    // moves it back with the features and the next frame reuses it: a fresh one per frame would be fresh memory, which
    // the kernel faults in page by page (~190 faults a frame, each costly in a virtual machine); the copy itself is cheap.
    const bufs = frames.map((f) => {
      const spare = this.spare.pop();
      const b = spare?.byteLength === f.byteLength ? new Uint8Array(spare) : new Uint8Array(f.byteLength);
      b.set(f);
      return b.buffer as ArrayBuffer;
    });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, frames: bufs, embed } satisfies WorkerRequest, bufs);
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.wakeIdle();
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export class CnnClient {
  private growing: Promise<void> | null = null;
  private closed = false;
  private joinListeners = new Set<() => void>();

  private constructor(
    private workers: CnnWorker[],
    /** the most workers `grow` starts (1 on a GPU backend) */
    readonly maxSize: number,
  ) {}

  /**
   * One worker now, up to `size` (default `defaultCnnWorkers()`) once `grow` is called. Measured on 2 cores
   * (60-min 1080p, `glimpse add`, 3 runs each): a lone student video is slower with a second worker started at once
   * (5.8–6.1 vs 5.4–5.6 s: its start competes with the decode), but faster when it starts once the frames are decoded
   * and enough still wait (2.2 → 1.8 s; see the engine's scan), while a teacher scan (300 frames: 47.6 vs 71 s) and a
   * library (0.456 vs 0.426 videos/s over the 158 real clips) gain from every core.
   */
  static async start(size = defaultCnnWorkers()): Promise<CnnClient> {
    const first = await CnnWorker.start();
    return new CnnClient([first], first.backend.name === 'tensorflow-gpu' ? 1 : Math.max(1, size));
  }

  /**
   * Starts the rest of the pool (all at once, each on its own core) and resolves when they have joined; frames
   * already being run keep going on the workers there are. Called for work with many frames: a teacher scan, or
   * more than one video.
   */
  grow(): Promise<void> {
    this.growing ??= (async () => {
      const started = await Promise.allSettled(Array.from({ length: this.maxSize - this.workers.length }, () => CnnWorker.start()));
      for (const s of started) {
        if (s.status !== 'fulfilled') continue; // the pool works with fewer; the first worker proved the models load
        if (this.closed) await s.value.close();
        else {
          this.workers.push(s.value);
          for (const l of this.joinListeners) l();
        }
      }
    })();
    return this.growing;
  }

  /**
   * For an engine that stays open, between scans: the rest of the pool started, then every worker that has run no
   * frame yet warmed (CnnWorker.warm), so the next video's frames all run at the steady speed. Resolves when done.
   */
  async warm(): Promise<void> {
    await this.grow();
    if (!this.closed) await Promise.all(this.workers.map((w) => w.warm()));
  }

  get backend(): BackendReport {
    return this.workers[0].backend;
  }
  get size(): number {
    return this.workers.length;
  }

  /**
   * Features of every frame, in order. The workers take the frames one at a time from one shared list (so all of
   * them stay busy to the end), which lets a cancelled scan stop after the frames at work: with `signal` aborted no
   * more are sent and the call rejects with the signal's reason. `onFrames` hears how many are done after each frame
   * (a scan's progress inside one video). `embed: false` skips the MobileNetV2 embedding (models that read class
   * scores only). The same as a `CnnRun` given every frame at once.
   */
  run(frames: Uint8Array[], opts: { embed?: boolean } & CnnRunOptions = {}): Promise<FrameFeatures[]> {
    const r = new CnnRun(Promise.resolve({ client: this, embed: opts.embed ?? true }), opts);
    r.push(...frames);
    return r.end();
  }

  /** `f` is called each time a worker joins the pool; returns the call that stops it. */
  onJoin(f: () => void): () => void {
    this.joinListeners.add(f);
    return () => void this.joinListeners.delete(f);
  }

  /** Every worker, the least busy first (two runs in flight then do not start on the same thread). */
  lanes(): CnnWorker[] {
    return [...this.workers].sort((a, b) => a.busy - b.busy);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.growing;
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

export interface CnnRunOptions {
  signal?: AbortSignal;
  /**
   * Awaited before each frame is sent; a frame is sent only once it resolves (a paused job holds a run that was
   * started ahead of its turn). Frames already at a worker finish.
   */
  gate?: () => Promise<void>;
  /** frames analysed so far, after each */
  onFrames?: (done: number) => void;
}

/**
 * One video's frames through the pool as they arrive: a scan pushes each frame the moment ffmpeg gives it, so the
 * workers start on the first frames while the decoder still seeks to the rest (a lone long video's keyframe groups),
 * then `end` waits for the last. Features come back in the order the frames were pushed. The pool (and whether to
 * embed) may still be starting when frames arrive: they wait in the run's list. A run that is `abandon`ed (its
 * video failed or the scan was cancelled) sends no more frames; its outcome is nobody's and never unhandled.
 */
export class CnnRun {
  private frames: Uint8Array[] = [];
  private out: FrameFeatures[] = [];
  private next = 0;
  private analysed = 0;
  private ended = false;
  private abandoned = false;
  private waiters: (() => void)[] = [];
  private inFlight = 0;
  private busySince = 0;
  private sentNow!: () => void;
  private readonly sent = new Promise<void>((r) => (this.sentNow = r));
  /** when frames were at the CNN (performance.now spans): the video's CNN time, counted once however many workers */
  readonly busy: [number, number][] = [];
  private readonly result: Promise<FrameFeatures[]>;

  constructor(
    pool: Promise<{ client: CnnClient; embed: boolean }>,
    private opts: CnnRunOptions = {},
  ) {
    opts.signal?.addEventListener('abort', () => this.wake(), { once: true });
    this.result = pool.then(({ client, embed }) => this.drive(client, embed));
    // A run that failed has nothing left to send either; its failure is seen by `end`'s caller (an abandoned run's
    // is nobody's), never unhandled.
    this.result.then(
      () => this.sentNow(),
      () => this.sentNow(),
    );
  }

  get done(): number {
    return this.analysed;
  }

  /**
   * Resolves when the run has no frame left to send: it was ended (or abandoned) and every frame pushed is at a
   * worker or done. From then on its workers free up one by one, and another run can take them.
   */
  allSent(): Promise<void> {
    return this.sent;
  }

  push(...frames: Uint8Array[]): void {
    if (this.ended) throw new Error('frames pushed after the run ended');
    this.frames.push(...frames);
    this.wake();
  }

  /** No more frames: resolves with the features of every frame pushed, in order. */
  end(): Promise<FrameFeatures[]> {
    this.ended = true;
    this.wake();
    return this.result;
  }

  abandon(): void {
    this.ended = this.abandoned = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
    this.checkSent();
  }

  private checkSent(): void {
    if (this.abandoned || (this.ended && this.next >= this.frames.length)) this.sentNow();
  }

  private async drive(client: CnnClient, embed: boolean): Promise<FrameFeatures[]> {
    const lane = async (w: CnnWorker) => {
      for (;;) {
        this.opts.signal?.throwIfAborted();
        if (this.abandoned) return;
        if (this.next < this.frames.length && w.busy) {
          // One frame at a worker at a time, whatever the runs: another run's frame there would be counted in this
          // run's CNN time while it waits behind it, and a worker that frees up goes to whichever run asks first.
          await w.idle();
        } else if (this.next < this.frames.length) {
          if (this.opts.gate) {
            await this.opts.gate();
            // while it waited: the run may have been stopped, another lane may have taken the frame or this worker
            if (this.abandoned || this.opts.signal?.aborted || this.next >= this.frames.length || w.busy) continue;
          }
          const at = this.next++;
          this.checkSent();
          if (this.inFlight++ === 0) this.busySince = performance.now();
          try {
            [this.out[at]] = await w.run([this.frames[at]], embed);
          } finally {
            if (--this.inFlight === 0) this.busy.push([this.busySince, performance.now()]);
          }
          this.analysed++;
          this.opts.onFrames?.(this.analysed);
        } else if (this.ended) return;
        else await new Promise<void>((r) => this.waiters.push(r));
      }
    };
    // A worker gets one frame per message: a frame is ~50-200 ms of inference on wasm and a message well under a
    // millisecond, so nothing is lost, and a cancel waits for at most one frame per worker. The first lane to fail
    // stops the others (they finish the frame at work).
    const stopOthers = (e: unknown) => {
      this.abandoned = true;
      this.wake();
      throw e;
    };
    // Workers that join the pool while the run goes (a teacher scan grows it while its first video decodes) take
    // frames too, from their first free moment.
    const lanes = new Map<CnnWorker, Promise<void>>();
    const join = () => {
      for (const w of client.lanes()) {
        if (lanes.has(w)) continue;
        const l = lane(w).catch(stopOthers);
        // A lane that joined after another failed is in no `Promise.all` below: its failure (the same abort) is seen.
        l.catch(() => undefined);
        lanes.set(w, l);
      }
    };
    join();
    const unsubscribe = client.onJoin(join);
    try {
      for (let n = 0; n !== lanes.size;) {
        n = lanes.size;
        await Promise.all(lanes.values());
      }
    } finally {
      unsubscribe();
    }
    this.opts.signal?.throwIfAborted();
    if (this.abandoned) throw new Error('the CNN run was abandoned');
    return this.out;
  }
}
