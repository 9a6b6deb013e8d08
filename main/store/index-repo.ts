/** SQL of incremental indexing: what the walker found versus what the library remembers. */
import type { Db } from './db.ts';
import type { VideoRow } from './library-repo.ts';

export interface IndexedRow {
  id: number;
  root_id: number;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  status: VideoRow['status'];
  fingerprint: string | null;
  duration_s: number | null;
}

export interface NewFile {
  rootId: number;
  path: string;
  name: string;
  sizeBytes: number;
  mtimeMs: number;
  fingerprint: string;
}

export interface IndexError {
  path: string;
  error: string;
  kind: 'video' | 'walk';
  videoId: number | null;
}

export class IndexRepo {
  constructor(private db: Db) {}

  rowsOfRoot(rootId: number): IndexedRow[] {
    return this.db
      .prepare(
        `SELECT id, root_id, path, size_bytes, mtime_ms, status, fingerprint, duration_s
      FROM videos WHERE root_id = ?`,
      )
      .all(rootId) as IndexedRow[];
  }

  /** Rows that could be the old identity of a newly seen file: same content, and no longer at their path. */
  candidatesByFingerprint(fingerprint: string): IndexedRow[] {
    return this.db
      .prepare(
        `SELECT id, root_id, path, size_bytes, mtime_ms, status, fingerprint, duration_s
      FROM videos WHERE fingerprint = ? ORDER BY status = 'missing' DESC, id`,
      )
      .all(fingerprint) as IndexedRow[];
  }

  /** A file seen but not readable (permission denied): a pending row without fingerprint, fingerprinted once readable. */
  insertUnread(f: Omit<NewFile, 'fingerprint'>): number {
    return Number(
      this.db
        .prepare(`INSERT INTO videos(root_id, path, name, size_bytes, mtime_ms) VALUES (?, ?, ?, ?, ?)`)
        .run(f.rootId, f.path, f.name, f.sizeBytes, Math.round(f.mtimeMs)).lastInsertRowid,
    );
  }

  insert(f: NewFile): number {
    return Number(
      this.db
        .prepare(`INSERT INTO videos(root_id, path, name, size_bytes, mtime_ms, fingerprint) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(f.rootId, f.path, f.name, f.sizeBytes, Math.round(f.mtimeMs), f.fingerprint).lastInsertRowid,
    );
  }

  /**
   * The same content at a new place: keep the row (and so its scans, tags and human edits). A video that was
   * tagged before goes straight back to 'ok'; anything else is looked at again.
   */
  relocate(id: number, f: NewFile): void {
    this.db
      .prepare(
        `UPDATE videos SET root_id = ?, path = ?, name = ?, size_bytes = ?, mtime_ms = ?, missing_since = NULL,
        status = CASE WHEN EXISTS (SELECT 1 FROM scans s WHERE s.video_id = videos.id AND s.kind = 'student') THEN 'ok' ELSE 'pending' END,
        error = NULL, error_retryable = 0
      WHERE id = ?`,
      )
      .run(f.rootId, f.path, f.name, f.sizeBytes, Math.round(f.mtimeMs), id);
  }

  /** Same content, new mtime (a `touch`, a copy that kept bytes): nothing to redo. */
  touch(id: number, mtimeMs: number): void {
    this.db
      .prepare(
        `UPDATE videos SET mtime_ms = ?, missing_since = NULL,
        status = CASE WHEN status = 'missing' THEN
          CASE WHEN EXISTS (SELECT 1 FROM scans s WHERE s.video_id = videos.id AND s.kind = 'student') THEN 'ok' ELSE 'pending' END
        ELSE status END
      WHERE id = ?`,
      )
      .run(Math.round(mtimeMs), id);
  }

  /** New content under an old path: forget the probe and queue it for scanning. Old scans stay until replaced. */
  markChanged(id: number, sizeBytes: number, mtimeMs: number, fingerprint: string): void {
    this.db
      .prepare(
        `UPDATE videos SET size_bytes = ?, mtime_ms = ?, fingerprint = ?, status = 'pending', error = NULL, error_retryable = 0,
        missing_since = NULL, duration_s = NULL, width = NULL, height = NULL, fps = NULL, codec = NULL,
        recorded_at = NULL, recorded_read = 0 WHERE id = ?`,
      )
      .run(sizeBytes, Math.round(mtimeMs), fingerprint, id);
  }

  markMissing(ids: number[]): void {
    const st = this.db.prepare(`UPDATE videos SET status = 'missing', missing_since = strftime('%Y-%m-%dT%H:%M:%fZ','now')
      WHERE id = ? AND status <> 'missing'`);
    for (const id of ids) st.run(id);
  }

  /** Pending rows never probed (new or changed); also what a killed index run left behind. */
  unprobed(rootIds: number[]): { id: number; path: string }[] {
    if (!rootIds.length) return [];
    return this.db
      .prepare(
        `SELECT id, path FROM videos WHERE status = 'pending' AND duration_s IS NULL
      AND root_id IN (${rootIds.map(() => '?').join(',')}) ORDER BY path`,
      )
      .all(...rootIds) as { id: number; path: string }[];
  }

  /**
   * Videos probed before the date recorded was read (migration 11): probed once more by the next index for that
   * date. Broken and missing files are left alone (a broken file's next change makes it pending anyway).
   */
  recordedUnread(rootIds: number[]): { id: number; path: string }[] {
    if (!rootIds.length) return [];
    return this.db
      .prepare(
        `SELECT id, path FROM videos WHERE recorded_read = 0 AND duration_s IS NOT NULL AND status IN ('ok', 'pending')
      AND root_id IN (${rootIds.map(() => '?').join(',')}) ORDER BY path`,
      )
      .all(...rootIds) as { id: number; path: string }[];
  }

  replaceWalkErrors(rootId: number, errors: { path: string; error: string }[]): void {
    this.db.prepare('DELETE FROM walk_errors WHERE root_id = ?').run(rootId);
    const ins = this.db.prepare('INSERT OR REPLACE INTO walk_errors(root_id, path, error) VALUES (?, ?, ?)');
    for (const e of errors) ins.run(rootId, e.path, e.error);
  }

  errors(): IndexError[] {
    // Permanent errors, and failures of the machine (still pending, retried by the next scan).
    const videos = this.db
      .prepare(`SELECT id, path, error FROM videos WHERE status = 'error' OR (error_retryable = 1 AND status <> 'missing') ORDER BY path`)
      .all() as {
      id: number;
      path: string;
      error: string | null;
    }[];
    const walk = this.db.prepare('SELECT path, error FROM walk_errors ORDER BY path').all() as { path: string; error: string }[];
    return [
      ...videos.map((v) => ({ path: v.path, error: v.error ?? 'unknown error', kind: 'video' as const, videoId: v.id })),
      ...walk.map((w) => ({ path: w.path, error: w.error, kind: 'walk' as const, videoId: null })),
    ];
  }

  /** What `pruneMissing` would forget, with the number of human tags each carries (those are lost for good). */
  pruneCandidates(): { id: number; path: string; humanTags: number }[] {
    return this.db
      .prepare(
        `SELECT v.id, v.path, (SELECT COUNT(*) FROM tags t WHERE t.video_id = v.id AND t.source = 'human') AS humanTags
      FROM videos v WHERE v.status = 'missing' ORDER BY v.path`,
      )
      .all() as { id: number; path: string; humanTags: number }[];
  }

  /** Forget missing videos for good (their scans and tags go by cascade). */
  pruneMissing(): { id: number; path: string }[] {
    const rows = this.db.prepare(`SELECT id, path FROM videos WHERE status = 'missing' ORDER BY path`).all() as {
      id: number;
      path: string;
    }[];
    this.db.prepare(`DELETE FROM videos WHERE status = 'missing'`).run();
    return rows;
  }

  videoIds(): number[] {
    return this.db.prepare('SELECT id FROM videos').pluck().all() as number[];
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
