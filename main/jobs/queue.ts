/**
 * One queue for long work (index, scan, train). Jobs run one at a time in priority order; each reports
 * progress that every face renders (CLI bar, SSE, IPC) and can be cancelled through its AbortSignal.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { JobInfo } from '../../shared/api.ts';

export interface JobContext {
  signal: AbortSignal;
  progress(done: number, total: number, message?: string): void;
}

interface Job extends JobInfo {
  priority: number;
  startedAt: number | null;
  run: (ctx: JobContext) => Promise<void>;
  abort: AbortController;
  finished: Promise<JobInfo>;
  resolve: (j: JobInfo) => void;
}

export class JobQueue extends EventEmitter<{ job: [JobInfo] }> {
  private jobs: Job[] = [];
  private running: Job | null = null;

  enqueue(kind: string, run: (ctx: JobContext) => Promise<void>, priority = 0): string {
    let resolve!: (j: JobInfo) => void;
    const finished = new Promise<JobInfo>((r) => { resolve = r; });
    const job: Job = {
      id: randomUUID().slice(0, 8), kind, state: 'queued', done: 0, total: 0, etaS: null, message: 'queued', error: null,
      priority, startedAt: null, run, abort: new AbortController(), finished, resolve,
    };
    this.jobs.push(job);
    this.emitJob(job);
    queueMicrotask(() => this.pump());
    return job.id;
  }

  list(): JobInfo[] { return this.jobs.map(info); }

  /** Resolves when the job ends in any state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) return Promise.reject(new Error(`no such job: ${id}`));
    return job.finished;
  }

  cancel(id: string): boolean {
    const job = this.jobs.find((j) => j.id === id);
    if (!job || job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') return false;
    job.abort.abort();
    if (job.state === 'queued') this.finish(job, 'cancelled', null);
    return true;
  }

  /** Let running work stop at its next checkpoint (used on shutdown). */
  cancelAll(): void { for (const j of this.jobs) this.cancel(j.id); }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.jobs.filter((j) => j.state === 'queued').sort((a, b) => b.priority - a.priority)[0];
    if (!next) return;
    this.running = next;
    next.state = 'running';
    next.startedAt = Date.now();
    next.message = 'starting';
    this.emitJob(next);
    const ctx: JobContext = {
      signal: next.abort.signal,
      progress: (done, total, message) => {
        next.done = done; next.total = total;
        if (message !== undefined) next.message = message;
        const elapsed = (Date.now() - (next.startedAt ?? Date.now())) / 1000;
        next.etaS = done > 0 && total >= done ? Math.round((elapsed / done) * (total - done)) : null;
        this.emitJob(next);
      },
    };
    try {
      await next.run(ctx);
      this.finish(next, next.abort.signal.aborted ? 'cancelled' : 'done', null);
    } catch (e) {
      this.finish(next, next.abort.signal.aborted ? 'cancelled' : 'failed', (e as Error).message);
    }
    this.running = null;
    void this.pump();
  }

  private finish(job: Job, state: JobInfo['state'], error: string | null): void {
    job.state = state; job.error = error; job.etaS = state === 'done' ? 0 : null;
    // A finished job keeps its last word (e.g. an index summary); the state itself is in `state`.
    job.message = state === 'failed' ? `failed: ${error}` : state === 'done' && job.startedAt && job.message !== 'starting' ? job.message : state;
    this.emitJob(job);
    job.resolve(info(job));
  }

  private emitJob(job: Job): void { this.emit('job', info(job)); }
}

function info(j: Job): JobInfo {
  return { id: j.id, kind: j.kind, state: j.state, done: j.done, total: j.total, etaS: j.etaS, message: j.message, error: j.error };
}
