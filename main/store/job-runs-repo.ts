/** The persisted side of the job queue: one row per job, updated as it progresses. */
import type { JobInfo } from '../../shared/api.ts';
import type { Db } from './db.ts';

export interface JobRunRow {
  id: string;
  kind: string;
  state: string;
  done: number;
  total: number;
  message: string;
  error: string | null;
  pid: number;
  started_at: string;
  updated_at: string;
}

export class JobRunsRepo {
  constructor(private db: Db) {}

  save(j: JobInfo, pid: number): void {
    this.db
      .prepare(
        `INSERT INTO job_runs(id, kind, state, done, total, message, error, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET state = excluded.state, done = excluded.done, total = excluded.total,
        message = excluded.message, error = excluded.error, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      )
      .run(j.id, j.kind, j.state, j.done, j.total, j.message, j.error, pid);
  }

  unfinished(): JobRunRow[] {
    return this.db.prepare(`SELECT * FROM job_runs WHERE state IN ('queued','running','paused')`).all() as JobRunRow[];
  }

  markInterrupted(id: string): void {
    this.db
      .prepare(
        `UPDATE job_runs SET state = 'failed', error = 'interrupted: the process running it exited',
      message = 'interrupted', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
      )
      .run(id);
  }

  recent(limit: number): JobRunRow[] {
    return this.db.prepare('SELECT * FROM job_runs ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as JobRunRow[];
  }

  /** Keep the table small: finished jobs beyond the newest `keep` are forgotten. */
  trim(keep: number): void {
    this.db
      .prepare(
        `DELETE FROM job_runs WHERE state NOT IN ('queued','running','paused')
      AND id NOT IN (SELECT id FROM job_runs ORDER BY started_at DESC LIMIT ?)`,
      )
      .run(keep);
  }
}
