/**
 * One queue for long work (index, scan, train). One job holds the queue at a time, in priority order; the
 * parallelism lives inside a job (probes in a pool, decoding the next video while the CNN worker runs the
 * current one), because two jobs scanning the same pending videos would do the work twice. Each job reports
 * progress that every face renders (CLI bar, SSE, IPC) with an ETA that does not count paused time.
 *
 * Cancel and pause are different promises. Cancel aborts the job's AbortSignal: it stops at its next
 * checkpoint and never comes back (what it committed stays committed). Pause stops it at its next checkpoint
 * *and gives the queue to the next job*; resume puts it back in line, and it continues where it stopped once it
 * holds the queue again. A queued job can be paused too (it is skipped until resumed).
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobOutcome, JobStep } from '../../shared/api.ts';

export interface JobContext {
  signal: AbortSignal;
  /**
   * `done` may be fractional (units finished plus the fraction of the one under way); `step` says where inside
   * that unit the job is (frames of a video), and is cleared by a progress call without one.
   */
  progress(done: number, total: number, message?: string, step?: JobStep): void;
  /**
   * Call between units of work: resolves at once while the job runs; while it is paused, only when it is
   * resumed and holds the queue again (or is cancelled: check `signal` after).
   */
  checkpoint(): Promise<void>;
  /** Add to the job's outcome counts (shown when it ends: "12 tagged, 1 unreadable"). */
  count(key: keyof JobOutcome, n?: number): void;
}

interface Job extends JobInfo {
  priority: number;
  seq: number;
  startedAt: number | null;
  /** ms spent paused (or waiting to get the queue back), excluded from the ETA */
  pausedMs: number;
  pausedAt: number | null;
  run: (ctx: JobContext) => Promise<void>;
  abort: AbortController;
  finished: Promise<JobInfo>;
  resolve: (j: JobInfo) => void;
  /** checkpoints waiting for the job to hold the queue again */
  waiters: (() => void)[];
}

const FINAL: JobInfo['state'][] = ['done', 'failed', 'cancelled'];

export class JobQueue extends EventEmitter<{ job: [JobInfo] }> {
  private jobs: Job[] = [];
  /** the job holding the queue */
  private active: Job | null = null;
  private seq = 0;

  enqueue(kind: string, run: (ctx: JobContext) => Promise<void>, priority = 0): string {
    let resolve!: (j: JobInfo) => void;
    const finished = new Promise<JobInfo>((r) => {
      resolve = r;
    });
    const job: Job = {
      id: randomUUID().slice(0, 8),
      kind,
      state: 'queued',
      done: 0,
      total: 0,
      etaS: null,
      message: 'queued',
      error: null,
      priority,
      seq: this.seq++,
      startedAt: null,
      pausedMs: 0,
      pausedAt: null,
      run,
      abort: new AbortController(),
      finished,
      resolve,
      waiters: [],
    };
    this.jobs.push(job);
    this.emitJob(job);
    queueMicrotask(() => this.pump());
    return job.id;
  }

  list(): JobInfo[] {
    return this.jobs.map(info);
  }

  /** Resolves when the job ends in any state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.find(id);
    if (!job) return Promise.reject(new Error(`no such job: ${id}`));
    return job.finished;
  }

  cancel(id: string): boolean {
    const job = this.find(id);
    if (!job || FINAL.includes(job.state)) return false;
    job.abort.abort();
    if (job.startedAt === null) this.finish(job, 'cancelled', null);
    else this.wake(job); // a paused job must get past its checkpoint to notice
    return true;
  }

  /** Stop at the next checkpoint and let the next job run. False when the job is not queued or running. */
  pause(id: string): boolean {
    const job = this.find(id);
    if (!job || (job.state !== 'running' && job.state !== 'queued')) return false;
    const holding = this.active === job;
    job.state = 'paused';
    job.pausedAt = Date.now();
    job.etaS = null;
    job.message = 'paused';
    this.emitJob(job);
    if (holding) {
      this.active = null;
      queueMicrotask(() => this.pump());
    }
    return true;
  }

  /** Back in line; it continues when it holds the queue again. */
  resume(id: string): boolean {
    const job = this.find(id);
    if (!job || job.state !== 'paused') return false;
    job.state = 'queued';
    job.message = job.startedAt === null ? 'queued' : 'resuming';
    this.emitJob(job);
    queueMicrotask(() => this.pump());
    return true;
  }

  /** Let running work stop at its next checkpoint (used on shutdown). */
  cancelAll(): void {
    for (const j of this.jobs) this.cancel(j.id);
  }

  private find(id: string): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  private pump(): void {
    if (this.active) return;
    // Highest priority first; among equals, a job that already started (was paused) before a fresh one, then FIFO.
    const next = this.jobs
      .filter((j) => j.state === 'queued')
      .sort((a, b) => b.priority - a.priority || Number(b.startedAt !== null) - Number(a.startedAt !== null) || a.seq - b.seq)[0];
    if (!next) return;
    this.active = next;
    next.state = 'running';
    if (next.startedAt !== null) {
      if (next.pausedAt !== null) {
        next.pausedMs += Date.now() - next.pausedAt;
        next.pausedAt = null;
      }
      next.message = 'resumed';
      this.emitJob(next);
      this.wake(next);
      return;
    }
    next.startedAt = Date.now();
    next.message = 'starting';
    this.emitJob(next);
    void this.start(next);
  }

  private async start(job: Job): Promise<void> {
    const phase = { at: Date.now(), pausedMs: 0, done: 0 };
    const ctx: JobContext = {
      signal: job.abort.signal,
      count: (key, n = 1) => {
        job.outcome = { ...(job.outcome ?? { tagged: 0, unreadable: 0, retry: 0 }), [key]: (job.outcome?.[key] ?? 0) + n };
      },
      progress: (done, total, message, step) => {
        // A job of several phases (walk, fingerprint, probe, scan) restarts its count: the ETA is of this phase.
        if (total !== job.total || done < job.done) {
          phase.at = Date.now();
          phase.pausedMs = job.pausedMs;
          phase.done = done;
        }
        job.done = done;
        job.total = total;
        job.step = step;
        if (message !== undefined && job.state === 'running') job.message = message;
        const elapsed = (Date.now() - phase.at - (job.pausedMs - phase.pausedMs)) / 1000;
        done -= phase.done;
        total -= phase.done;
        job.etaS = job.state === 'running' && done > 0 && total >= done ? Math.round((elapsed / done) * (total - done)) : null;
        this.emitJob(job);
      },
      checkpoint: () =>
        this.active === job || job.abort.signal.aborted ? Promise.resolve() : new Promise<void>((r) => job.waiters.push(r)),
    };
    try {
      await job.run(ctx);
      this.finish(job, job.abort.signal.aborted ? 'cancelled' : 'done', null);
    } catch (e) {
      this.finish(job, job.abort.signal.aborted ? 'cancelled' : 'failed', (e as Error).message);
    }
  }

  private wake(job: Job): void {
    const w = job.waiters;
    job.waiters = [];
    for (const r of w) r();
  }

  private finish(job: Job, state: JobInfo['state'], error: string | null): void {
    const wasRunning = job.state === 'running';
    job.message = finalMessage(job, state, error, wasRunning);
    job.state = state;
    job.error = error;
    job.etaS = state === 'done' ? 0 : null;
    this.wake(job);
    this.emitJob(job);
    job.resolve(info(job));
    if (this.active === job) {
      this.active = null;
      queueMicrotask(() => this.pump());
    }
  }

  private emitJob(job: Job): void {
    this.emit('job', info(job));
  }
}

/**
 * What a job that just ended in `state` says. A failure says why. A job that ran to the end keeps its last word
 * (e.g. an index summary) if it said anything after 'starting'; otherwise (cancelled, finished without a word,
 * or never running when it ended) the message is the state itself.
 */
function finalMessage(job: Job, state: JobInfo['state'], error: string | null, wasRunning: boolean): string {
  if (state === 'failed') return `failed: ${error}`;
  const saidSomething = job.startedAt !== null && wasRunning && job.message !== 'starting';
  if (state === 'done' && saidSomething) return job.message;
  return state;
}

function info(j: Job): JobInfo {
  const base: JobInfo = {
    id: j.id,
    kind: j.kind,
    state: j.state,
    done: j.done,
    total: j.total,
    etaS: j.etaS,
    message: j.message,
    error: j.error,
  };
  if (j.outcome) base.outcome = { ...j.outcome };
  if (j.step && j.state === 'running') base.step = { ...j.step };
  return base;
}
