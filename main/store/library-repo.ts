/** Roots and videos: the rows the library owns. All SQL about them lives here (services over repositories). */
import type { ProbeResult } from '../media/ffmpeg.ts';
import type { Db } from './db.ts';

export interface RootRow {
  id: number;
  path: string;
  added_at: string;
  /** st_dev of the root folder at its last index (null before migration 8 or before the first index) */
  dev: number | null;
}

export interface VideoRow {
  id: number;
  root_id: number;
  path: string;
  name: string;
  size_bytes: number;
  mtime_ms: number;
  duration_s: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  has_audio: number;
  status: 'pending' | 'ok' | 'error' | 'missing';
  error: string | null;
  /** 1: `error` was the machine's doing (timeout, disk full, permission); the video stays pending and is retried */
  error_retryable: number;
  thumbnail: string | null;
  added_at: string;
  /** when it was recorded (ISO 8601 UTC, from the probe's tags; migration 11); null: unknown or not read yet */
  recorded_at: string | null;
  /** 1 once a probe looked for `recorded_at` (0: probed before migration 11, the next rescan reads it) */
  recorded_read: number;
}

export interface FileStat {
  path: string;
  name: string;
  sizeBytes: number;
  mtimeMs: number;
}

export class LibraryRepo {
  constructor(private db: Db) {}

  addRoot(p: string): RootRow {
    this.db.prepare('INSERT INTO roots(path) VALUES (?) ON CONFLICT(path) DO NOTHING').run(p);
    return this.db.prepare('SELECT * FROM roots WHERE path = ?').get(p) as RootRow;
  }

  removeRoot(p: string): boolean {
    return this.db.prepare('DELETE FROM roots WHERE path = ?').run(p).changes > 0;
  }

  roots(): (RootRow & { video_count: number })[] {
    return this.db
      .prepare(
        `SELECT r.*, (SELECT COUNT(*) FROM videos v WHERE v.root_id = r.id) AS video_count
      FROM roots r ORDER BY r.path`,
      )
      .all() as (RootRow & { video_count: number })[];
  }

  /** Insert new files and reset changed ones to pending; unchanged files keep their scans and tags. */
  upsertFiles(rootId: number, files: FileStat[]): { added: number; changed: number } {
    const get = this.db.prepare('SELECT id, size_bytes, mtime_ms, status FROM videos WHERE path = ?');
    const ins = this.db.prepare('INSERT INTO videos(root_id, path, name, size_bytes, mtime_ms) VALUES (?, ?, ?, ?, ?)');
    const upd = this.db.prepare(`UPDATE videos SET size_bytes = ?, mtime_ms = ?, status = 'pending', error = NULL WHERE id = ?`);
    let added = 0,
      changed = 0;
    this.db.transaction(() => {
      for (const f of files) {
        const row = get.get(f.path) as Pick<VideoRow, 'id' | 'size_bytes' | 'mtime_ms' | 'status'> | undefined;
        if (!row) {
          ins.run(rootId, f.path, f.name, f.sizeBytes, Math.round(f.mtimeMs));
          added++;
        } else if (row.size_bytes !== f.sizeBytes || row.mtime_ms !== Math.round(f.mtimeMs) || row.status === 'missing') {
          upd.run(f.sizeBytes, Math.round(f.mtimeMs), row.id);
          changed++;
        }
      }
    })();
    return { added, changed };
  }

  video(id: number): VideoRow | undefined {
    return this.db.prepare('SELECT * FROM videos WHERE id = ?').get(id) as VideoRow | undefined;
  }

  videosByIds(ids: number[]): VideoRow[] {
    const get = this.db.prepare('SELECT * FROM videos WHERE id = ?');
    return ids.map((i) => get.get(i) as VideoRow | undefined).filter((v): v is VideoRow => !!v);
  }

  /** Readable videos that have no scan of this kind yet (training needs every video's teacher features). */
  /**
   * Videos lacking a usable scan of `kind`: none made by this frame `pipeline` (older preprocessing is stale), or,
   * with `withEmbedding`, none whose frames carry the MobileNetV2 embedding (the tfjs video-model families need it).
   */
  videosWithoutScan(kind: 'student' | 'teacher', o: { pipeline: string; withEmbedding?: boolean }): VideoRow[] {
    return this.db
      .prepare(
        `SELECT * FROM videos v WHERE v.status = 'ok'
      AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.video_id = v.id AND s.kind = ? AND s.pipeline = ?
        AND (? = 0 OR EXISTS (SELECT 1 FROM frames f WHERE f.scan_id = s.id AND length(f.embedding) > 0))) ORDER BY v.path`,
      )
      .all(kind, o.pipeline, o.withEmbedding ? 1 : 0) as VideoRow[];
  }

  /**
   * Videos a scan can read (ok or pending) that lack a current scan of `kind` (one made by this frame `pipeline`, with
   * a model matching `modelGlob`, made at or after `since`; see ScanService.currentScan): what a scan of the whole
   * library still has to do, so a killed one resumes where it stopped.
   */
  scannableWithoutScan(kind: 'student' | 'teacher', o: { pipeline: string; modelGlob?: string; since?: string | null }): VideoRow[] {
    return this.db
      .prepare(
        `SELECT * FROM videos v WHERE v.status IN ('ok', 'pending')
      AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.video_id = v.id AND s.kind = ? AND s.pipeline = ?
        AND s.model GLOB ? AND s.created_at >= ?) ORDER BY v.path`,
      )
      .all(kind, o.pipeline, o.modelGlob ?? '*', o.since ?? '') as VideoRow[];
  }

  /** Every video a scan can read (a re-scan of the whole library). */
  scannableVideos(): VideoRow[] {
    return this.db.prepare(`SELECT * FROM videos WHERE status IN ('ok', 'pending') ORDER BY path`).all() as VideoRow[];
  }

  /**
   * What the next scan takes: new and changed videos, and those whose last failure was the machine's (retryable), but
   * not a file that could not even be read to fingerprint (permission denied): the next index looks at it first.
   */
  pendingVideos(): VideoRow[] {
    const rows = this.db.prepare(`SELECT * FROM videos WHERE status = 'pending' ORDER BY path`).all() as (VideoRow & {
      fingerprint?: string | null;
    })[];
    return rows.filter((v) => !(v.error_retryable === 1 && !v.fingerprint));
  }

  setProbe(
    id: number,
    // absent recordedAt (a caller that made up a probe): no date, as a probe of a file without one says
    p: Pick<ProbeResult, 'durationS' | 'width' | 'height' | 'fps' | 'codec' | 'hasAudio'> & Partial<Pick<ProbeResult, 'recordedAt'>>,
  ): void {
    this.db
      // A probe that succeeds answers an earlier retryable failure (a timeout, a permission since fixed): its reason goes.
      .prepare(
        `UPDATE videos SET duration_s = ?, width = ?, height = ?, fps = ?, codec = ?, has_audio = ?, recorded_at = ?, recorded_read = 1,
          error = CASE WHEN error_retryable = 1 THEN NULL ELSE error END, error_retryable = 0 WHERE id = ?`,
      )
      .run(p.durationS, p.width, p.height, p.fps, p.codec, p.hasAudio ? 1 : 0, p.recordedAt ?? null, id);
  }

  /** A re-probe for the date alone failed for the file's own reasons: do not try again until the file changes. */
  setRecordedUnreadable(id: number): void {
    this.db.prepare('UPDATE videos SET recorded_read = 1 WHERE id = ?').run(id);
  }

  /**
   * A failed probe or scan. Permanent (the file is broken): status 'error'. Retryable (the machine failed: timeout,
   * disk full, permission): the video is not marked broken; it stays pending (a tagged one keeps its tags) with the
   * reason, so the next scan or rescan tries it again.
   */
  setError(id: number, message: string, retryable = false): void {
    if (!retryable) this.db.prepare(`UPDATE videos SET status = 'error', error = ?, error_retryable = 0 WHERE id = ?`).run(message, id);
    else
      this.db
        .prepare(
          `UPDATE videos SET status = CASE WHEN status = 'ok' THEN 'ok' ELSE 'pending' END, error = ?, error_retryable = 1 WHERE id = ?`,
        )
        .run(message, id);
  }

  /** Tagged; `warning` (e.g. a truncated file) is kept in `error` without failing the video. */
  setOk(id: number, thumbnail: string | null, warning: string | null = null): void {
    this.db
      .prepare(`UPDATE videos SET status = 'ok', error = ?, error_retryable = 0, thumbnail = ? WHERE id = ?`)
      .run(warning, thumbnail, id);
  }

  /** Remember the device of a root folder (see IndexService: a changed device means an empty mount point). */
  setRootDev(id: number, dev: number): void {
    this.db.prepare('UPDATE roots SET dev = ? WHERE id = ?').run(dev, id);
  }

  /** Videos whose last failure was the machine's, to be retried (optionally only under the given roots). */
  retryableVideos(rootIds?: number[]): VideoRow[] {
    const rows = this.db
      .prepare(`SELECT * FROM videos WHERE error_retryable = 1 AND status <> 'missing' ORDER BY path`)
      .all() as VideoRow[];
    return rootIds ? rows.filter((r) => rootIds.includes(r.root_id)) : rows;
  }

  /** Videos filtered by an optional tag (predicted or human) and a substring of the path. */
  /** Every video by name (no filters: searching by tag or text is BrowseRepo.search, the one query path). */
  list(opts: { limit: number; offset: number }): { total: number; rows: VideoRow[] } {
    const total = (this.db.prepare('SELECT COUNT(*) AS n FROM videos').get() as { n: number }).n;
    const rows = this.db
      .prepare('SELECT v.* FROM videos v ORDER BY v.name COLLATE NOCASE, v.id LIMIT ? OFFSET ?')
      .all(opts.limit, opts.offset) as VideoRow[];
    return { total, rows };
  }
}
