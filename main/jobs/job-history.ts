/**
 * Job state mirrored into the database, so `glimpse jobs` from another shell, or after a crash, sees what ran.
 * A job left 'running' by a process that no longer exists was interrupted; the next engine says so.
 */
import type { JobInfo } from '../../shared/api.ts';
import type { JobRunsRepo } from '../store/job-runs-repo.ts';
import type { JobQueue } from './queue.ts';
import { pidAlive } from '../core/atomic-write.ts';

const KEEP = 200;

export class JobHistory {
  private lastWrite = new Map<string, number>();

  constructor(
    private repo: JobRunsRepo,
    queue: JobQueue,
  ) {
    for (const j of repo.unfinished()) if (!pidAlive(j.pid)) repo.markInterrupted(j.id);
    repo.trim(KEEP);
    queue.on('job', (j) => this.record(j));
  }

  private record(j: JobInfo): void {
    // Progress can tick hundreds of times a second; state changes always land, progress at most 4×/s.
    const now = Date.now();
    const final = j.state !== 'running';
    if (!final && now - (this.lastWrite.get(j.id) ?? 0) < 250) return;
    this.lastWrite.set(j.id, now);
    if (final && j.state !== 'queued') this.lastWrite.delete(j.id);
    try {
      this.repo.save(j, process.pid);
    } catch {
      /* history is best effort; the job itself must not fail */
    }
  }

  /** Jobs of this process first (live), then the recorded ones of other or earlier processes. */
  list(live: JobInfo[], limit = 50): (JobInfo & { pid?: number; startedAt?: string })[] {
    const liveIds = new Set(live.map((j) => j.id));
    const past = this.repo
      .recent(limit)
      .filter((r) => !liveIds.has(r.id))
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        state: r.state as JobInfo['state'],
        done: r.done,
        total: r.total,
        etaS: null,
        message: r.message,
        error: r.error,
        pid: r.pid,
        startedAt: r.started_at,
      }));
    return [...live, ...past];
  }
}
