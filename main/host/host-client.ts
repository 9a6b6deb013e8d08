/**
 * The main process's side of the engine host: calls go out as protocol messages, replies and EngineEvents come
 * back, and the host is supervised. When the host dies (killed, crashed, out of memory) the calls it was
 * answering reject with a retryable `unavailable` error, it is started again after a bounded backoff, the jobs it
 * was running or holding are put back in line, and every face hears an `{ type: 'engine' }` event saying so.
 * Too many deaths in a short time and it stays down (state 'down'), said the same way.
 *
 * How the host process is started is the caller's: `forkNodeHost` (./node-launcher.ts) under plain Node,
 * `forkUtilityHost` (main/electron/host-launcher.ts) in the Electron app. Nothing here knows which.
 */
import { EventEmitter } from 'node:events';
import type { Channel, EngineEvent, RequestOf, Results } from '../../shared/api.ts';
import { EngineError } from '../engine/errors.ts';
import { isFromHost, type FromHost, type HostInit, type MediaOp, type ToHost } from './protocol.ts';

/** A started host process, whatever started it. */
export interface HostChild {
  readonly pid: number | undefined;
  postMessage(m: ToHost): void;
  onMessage(listener: (m: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type LaunchHost = () => HostChild;

export interface HostClientOptions {
  launch: LaunchHost;
  init: HostInit;
  /** wait before each restart, by how many deaths happened within `windowMs` (the last entry repeats) */
  backoffMs?: number[];
  /** more deaths than this within `windowMs`: stay down instead of restarting forever */
  maxRestarts?: number;
  windowMs?: number;
  /** lines for the app's log (a folder that cannot be watched…) */
  onLog?: (message: string) => void;
}

export type HostState = 'starting' | 'ready' | 'restarting' | 'down' | 'closed';

/** Channels whose reply names a job: the job is re-queued on a new host if the old one died before it finished. */
const JOB_CHANNELS = new Set<Channel>(['library.addRoot', 'library.rescan', 'scan.start', 'train.start']);

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** what to remember if the reply names a job */
  job?: { channel: Channel; request: unknown };
}

interface TrackedJob {
  channel: Channel;
  request: unknown;
  result: unknown;
}

export const RESTARTED_MESSAGE = 'The engine stopped and was restarted; the running job resumes.';
const RESTARTED_IDLE = 'The engine stopped and was restarted.';

export class EngineHostClient {
  readonly events = new EventEmitter<{ event: [EngineEvent] }>();
  state: HostState = 'starting';
  /** how many times the host was started again after it died */
  restarts = 0;
  private child: HostChild | null = null;
  private next = 1;
  private pending = new Map<number, Pending>();
  /** calls made while the host is (re)starting, sent once it is ready */
  private waiting: (() => void)[] = [];
  /** jobs of the current host that have not finished, oldest first */
  private jobs = new Map<string, TrackedJob>();
  private deaths: number[] = [];
  private firstReady: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly backoff: number[];
  private readonly maxRestarts: number;
  private readonly windowMs: number;

  constructor(private opts: HostClientOptions) {
    this.backoff = opts.backoffMs ?? [200, 500, 1000, 2000, 5000];
    this.maxRestarts = opts.maxRestarts ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
  }

  /** Starts the host; resolves when the engine is open, rejects with its message when it cannot open. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstReady = { resolve, reject };
      this.spawn();
    });
  }

  /** The host's process id (tests kill it; the app's log names it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  call<C extends Channel>(channel: C, request: RequestOf<C> | unknown): Promise<Results[C]> {
    return this.send(
      (id) => ({ type: 'call', id, channel, request }),
      JOB_CHANNELS.has(channel) ? { channel, request } : undefined,
    ) as Promise<Results[C]>;
  }

  /** The glimpse:// protocol's lookups: the file behind a poster, a video or a frame, checked by the engine. */
  readonly media = {
    thumbnailPath: (videoId: number) => this.mediaOp({ op: 'thumbnailPath', videoId }) as Promise<string | null>,
    mediaPath: (videoId: number) => this.mediaOp({ op: 'mediaPath', videoId }) as Promise<string>,
    framePath: (videoId: number, index: number) => this.mediaOp({ op: 'framePath', videoId, index }) as Promise<string>,
  };

  /** Asks the host to close the engine (database, workers) and waits for it to exit; no restart follows. */
  async close(): Promise<void> {
    const child = this.child;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (!child) return;
    const exited = new Promise<void>((r) => child.onExit(() => r()));
    child.postMessage({ type: 'shutdown' });
    const force = setTimeout(() => child.kill(), 10_000); // a wedged engine must not keep the app from quitting
    await exited;
    clearTimeout(force);
  }

  private mediaOp(media: MediaOp): Promise<unknown> {
    return this.send((id) => ({ type: 'media', id, media }));
  }

  private send(make: (id: number) => ToHost, job?: Pending['job']): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const go = () => {
        if (this.state !== 'ready' || !this.child) return reject(this.unavailable());
        const id = this.next++;
        this.pending.set(id, { resolve, reject, job });
        this.child.postMessage(make(id));
      };
      if (this.state === 'ready') go();
      else if (this.state === 'starting' || this.state === 'restarting') this.waiting.push(go);
      else reject(this.unavailable());
    });
  }

  private unavailable(): EngineError {
    return this.state === 'closed'
      ? new EngineError('unavailable', 'The engine has been closed.')
      : this.state === 'down'
        ? new EngineError('unavailable', 'The engine stopped and could not be restarted; restart Glimpse.')
        : new EngineError('unavailable', 'The engine stopped while answering and is being restarted; try again.', true);
  }

  private spawn(): void {
    const child = this.opts.launch();
    this.child = child;
    child.onMessage((m) => {
      if (this.child === child && isFromHost(m)) this.onMessage(m);
    });
    child.onExit((code) => {
      if (this.child === child) this.onExit(code);
    });
    child.postMessage({ type: 'init', init: this.opts.init });
  }

  private onMessage(m: FromHost): void {
    switch (m.type) {
      case 'ready':
        void this.onReady();
        return;
      case 'fatal':
        // The engine cannot open (e.g. a damaged database): a new process would fail the same way.
        this.goDown(m.error);
        this.child?.kill();
        return;
      case 'reply': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (!m.ok) return p.reject(new EngineError(m.error.code, m.error.error, !!m.error.retryable));
        const jobId = (m.result as { jobId?: unknown } | null)?.jobId;
        if (p.job && typeof jobId === 'string') this.jobs.set(jobId, { ...p.job, result: m.result });
        return p.resolve(m.result);
      }
      case 'event':
        if (m.event.type === 'job' && ['done', 'failed', 'cancelled'].includes(m.event.job.state)) this.jobs.delete(m.event.job.id);
        this.events.emit('event', m.event);
        return;
      case 'log':
        this.opts.onLog?.(m.message);
        return;
    }
  }

  private async onReady(): Promise<void> {
    const restarted = this.state === 'restarting';
    this.state = 'ready';
    this.firstReady?.resolve();
    this.firstReady = null;
    const resumed = restarted ? await this.resumeJobs() : 0;
    for (const go of this.waiting.splice(0)) go();
    if (restarted) this.events.emit('event', { type: 'engine', state: 'restarted', message: resumed ? RESTARTED_MESSAGE : RESTARTED_IDLE });
  }

  /**
   * Puts the dead host's unfinished jobs back in line, oldest first. Each picks up where the work stopped because
   * everything commits per video: an index skips unchanged files, a scan of a new root tags what is still pending,
   * a teacher scan skips videos it already has. (A student re-scan of the whole library starts over.)
   */
  private async resumeJobs(): Promise<number> {
    const old = [...this.jobs.values()];
    this.jobs.clear();
    let resumed = 0;
    for (const j of old) {
      const [channel, request] =
        j.channel === 'library.addRoot'
          ? ([
              'library.rescan',
              { rootIds: [(j.result as Results['library.addRoot']).root.id], scan: (j.request as { scan?: boolean }).scan ?? true },
            ] as const)
          : ([j.channel, j.request] as const);
      try {
        await this.call(channel, request);
        resumed++;
      } catch (e) {
        this.opts.onLog?.(`could not resume a job after the engine restarted: ${(e as Error).message}`);
      }
    }
    return resumed;
  }

  private onExit(code: number | null): void {
    this.child = null;
    const err = this.unavailableAfterExit();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (this.state === 'closed' || this.state === 'down') return;
    const now = Date.now();
    this.deaths = [...this.deaths.filter((t) => now - t < this.windowMs), now];
    if (this.state === 'starting' && this.firstReady) {
      // It never opened: say why instead of looping.
      this.goDown(`the engine process exited with code ${code} before it was ready`);
      return;
    }
    if (this.deaths.length > this.maxRestarts) {
      this.goDown(`the engine stopped ${this.deaths.length} times within ${Math.round(this.windowMs / 1000)} s`);
      return;
    }
    this.state = 'restarting';
    this.restarts++;
    const delay = this.backoff[Math.min(this.deaths.length - 1, this.backoff.length - 1)];
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state === 'restarting') this.spawn();
    }, delay);
  }

  private unavailableAfterExit(): EngineError {
    return this.state === 'closed'
      ? new EngineError('unavailable', 'The engine has been closed.')
      : new EngineError('unavailable', 'The engine stopped while answering and is being restarted; try again.', true);
  }

  private goDown(why: string): void {
    this.state = 'down';
    const err = new EngineError('unavailable', `The engine could not start: ${why}`);
    this.firstReady?.reject(err);
    this.firstReady = null;
    for (const go of this.waiting.splice(0)) go(); // each rejects: state is 'down'
    this.events.emit('event', {
      type: 'engine',
      state: 'down',
      message: `The engine stopped and could not be restarted (${why}). Restart Glimpse.`,
    });
  }
}
