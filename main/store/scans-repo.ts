/** Scans, their cached per-frame features, and the tags they produced. */
import { blobFromF32, f32FromBlob } from './blob.ts';
import type { Db } from './db.ts';

export type TagSource = 'student' | 'teacher' | 'human';

/** A `tags` row as the faces read it; `line` is its scan's probability line (null: 0.5, or a human row). */
export interface StoredTag {
  tag: string;
  source: TagSource;
  score: number;
  line: number | null;
}

export interface ScanRow {
  id: number;
  video_id: number;
  kind: 'student' | 'teacher';
  model: string;
  frame_count: number;
  seconds: number;
  decode_seconds: number;
  cnn_seconds: number;
  model_seconds: number;
  model_flops: number;
  pipeline: string | null;
  /** the model's probability line that this scan's scores were shifted to 0.5 from (null: 0.5, no shift) */
  tag_threshold: number | null;
  created_at: string;
}

export interface FrameRow {
  idx: number;
  time_s: number;
  embedding: Float32Array;
  class_scores: Float32Array;
}

export interface NewScan {
  videoId: number;
  kind: 'student' | 'teacher';
  model: string;
  seconds: number;
  decodeSeconds: number;
  cnnSeconds: number;
  /** version of the frame pipeline that made the features (FRAME_PIPELINE in main/ml/frame-cnn.ts) */
  pipeline?: string;
  /** video-model stage: wall time and FLOPs (0 when the detector's max-pooling stood in for a model) */
  modelSeconds?: number;
  modelFlops?: number;
  /** the tagger's probabilityLine (null or absent: scores are probabilities, line 0.5) */
  tagThreshold?: number | null;
  frames: { timeS: number; embedding: Float32Array; classScores: Float32Array }[];
  tags: { tag: string; score: number }[];
}

export class ScansRepo {
  constructor(private db: Db) {}

  /**
   * One transaction per video: the scan, its frames and its tags land together or not at all, so a scan
   * killed mid-way leaves the video exactly as it was before.
   */
  saveScan(s: NewScan, after?: () => void): number {
    return this.db.transaction(() => {
      // A newer scan of the same kind replaces the old one (its frames go with it by cascade).
      this.db.prepare('DELETE FROM scans WHERE video_id = ? AND kind = ?').run(s.videoId, s.kind);
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO scans(video_id, kind, model, frame_count, seconds, decode_seconds, cnn_seconds, model_seconds, model_flops, pipeline,
          tag_threshold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            s.videoId,
            s.kind,
            s.model,
            s.frames.length,
            s.seconds,
            s.decodeSeconds,
            s.cnnSeconds,
            s.modelSeconds ?? 0,
            s.modelFlops ?? 0,
            s.pipeline ?? null,
            s.tagThreshold ?? null,
          ).lastInsertRowid,
      );
      const fr = this.db.prepare('INSERT INTO frames(scan_id, idx, time_s, embedding, class_scores) VALUES (?, ?, ?, ?, ?)');
      s.frames.forEach((f, i) => fr.run(id, i, f.timeS, blobFromF32(f.embedding), blobFromF32(f.classScores)));
      this.db.prepare('DELETE FROM tags WHERE video_id = ? AND source = ?').run(s.videoId, s.kind);
      const tg = this.db.prepare('INSERT INTO tags(video_id, tag, source, score) VALUES (?, ?, ?, ?)');
      for (const t of s.tags) tg.run(s.videoId, t.tag, s.kind, t.score);
      after?.();
      return id;
    })();
  }

  scansOf(videoId: number): ScanRow[] {
    return this.db.prepare('SELECT * FROM scans WHERE video_id = ? ORDER BY kind, id').all(videoId) as ScanRow[];
  }

  /**
   * The latest scan of `kind` made by frame `pipeline` of every readable video (optionally only `videoIds`), with
   * its frames: the cached features training, Compare and the benchmark read.
   */
  scanFeatures(
    kind: 'student' | 'teacher',
    pipeline: string,
    videoIds?: number[],
  ): { videoId: number; path: string; durationS: number | null; frames: FrameRow[] }[] {
    const scans = this.db
      .prepare(
        `SELECT s.id, s.video_id, v.path, v.duration_s FROM scans s JOIN videos v ON v.id = s.video_id
      WHERE s.kind = ? AND v.status = 'ok' AND s.pipeline = ? ORDER BY v.path`,
      )
      .all(kind, pipeline) as { id: number; video_id: number; path: string; duration_s: number | null }[];
    const want = videoIds ? new Set(videoIds) : null;
    return scans
      .filter((s) => !want || want.has(s.video_id))
      .map((s) => ({ videoId: s.video_id, path: s.path, durationS: s.duration_s, frames: this.frames(s.id) }));
  }

  frames(scanId: number): FrameRow[] {
    const rows = this.db.prepare('SELECT idx, time_s, embedding, class_scores FROM frames WHERE scan_id = ? ORDER BY idx').all(scanId) as {
      idx: number;
      time_s: number;
      embedding: Buffer;
      class_scores: Buffer;
    }[];
    return rows.map((r) => ({
      idx: r.idx,
      time_s: r.time_s,
      embedding: f32FromBlob(r.embedding),
      class_scores: f32FromBlob(r.class_scores),
    }));
  }

  /** Every tag row of the videos, with the probability line of the scan that made it (null for human rows). */
  tagsOf(videoIds: number[]): Map<number, StoredTag[]> {
    const out = new Map<number, StoredTag[]>();
    if (!videoIds.length) return out;
    const stmt = this.db.prepare(
      `SELECT t.tag, t.source, t.score, (SELECT s.tag_threshold FROM scans s WHERE s.video_id = t.video_id AND s.kind = t.source
        ORDER BY s.id DESC LIMIT 1) AS line FROM tags t WHERE t.video_id = ? ORDER BY t.score DESC`,
    );
    for (const id of videoIds) out.set(id, stmt.all(id) as StoredTag[]);
    return out;
  }

  /** Frames of each video's latest student scan (its frame pictures are numbered 0..n-1), 0 without one. */
  studentFrameCounts(videoIds: number[]): Map<number, number> {
    const stmt = this.db.prepare(`SELECT frame_count FROM scans WHERE video_id = ? AND kind = 'student' ORDER BY id DESC LIMIT 1`).pluck();
    return new Map(videoIds.map((id) => [id, (stmt.get(id) as number | undefined) ?? 0]));
  }

  /** The latest scan of each kind of a video, with its frames' class scores (what the tag timeline marks). */
  frameScoresOf(videoId: number): { kind: 'student' | 'teacher'; idx: number; time_s: number; class_scores: Float32Array }[] {
    const rows = this.db
      .prepare(
        `SELECT s.kind, f.idx, f.time_s, f.class_scores FROM scans s JOIN frames f ON f.scan_id = s.id
      WHERE s.id IN (SELECT max(id) FROM scans WHERE video_id = ? GROUP BY kind) ORDER BY f.time_s, s.kind`,
      )
      .all(videoId) as { kind: 'student' | 'teacher'; idx: number; time_s: number; class_scores: Buffer }[];
    return rows.map((r) => ({ ...r, class_scores: f32FromBlob(r.class_scores) }));
  }
}
