/**
 * Numbered schema migrations (Signal Desktop style): each runs once, in order, inside a transaction, and
 * `PRAGMA user_version` records the last one applied. Never edit a shipped migration; append a new one.
 */
import type { Database } from 'better-sqlite3';
import { libraryIndexV2 } from './migration-v2-library-index.ts';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial library, scans, frames, tags',
    up: (db) =>
      db.exec(`
      CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE videos (
        id INTEGER PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        duration_s REAL, width INTEGER, height INTEGER, fps REAL, codec TEXT,
        has_audio INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','ok','error','missing')),
        error TEXT,
        thumbnail TEXT,
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE INDEX videos_root ON videos(root_id);
      CREATE INDEX videos_status ON videos(status);
      CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('student','teacher')),
        model TEXT NOT NULL,
        frame_count INTEGER NOT NULL,
        seconds REAL NOT NULL,
        decode_seconds REAL NOT NULL,
        cnn_seconds REAL NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE INDEX scans_video ON scans(video_id, kind);
      -- Per-frame features are cached so that retraining never decodes video again.
      CREATE TABLE frames (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        time_s REAL NOT NULL,
        embedding BLOB NOT NULL,   -- float32 MobileNetV2 1280-d
        class_scores BLOB NOT NULL, -- float32 centernet COCO-80, max over the heatmap
        PRIMARY KEY (scan_id, idx)
      ) WITHOUT ROWID;
      CREATE TABLE tags (
        video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('student','teacher','human')),
        score REAL NOT NULL,
        PRIMARY KEY (video_id, source, tag)
      ) WITHOUT ROWID;
      CREATE INDEX tags_tag ON tags(tag, source, score);
    `),
  },
  { version: 2, name: 'library index: fingerprints, walk errors, job history, full-text search', up: libraryIndexV2 },
  {
    version: 3,
    name: 'case-insensitive tag index for tag filters',
    // Search compares tags COLLATE NOCASE, which the binary tags_tag index cannot serve.
    up: (db) => db.exec('CREATE INDEX tags_tag_nocase ON tags(tag COLLATE NOCASE, score, video_id)'),
  },
  {
    version: 4,
    name: 'video-model stage of a scan: seconds and FLOPs (decode / CNN / video model split)',
    up: (db) =>
      db.exec(`
      ALTER TABLE scans ADD COLUMN model_seconds REAL NOT NULL DEFAULT 0;
      ALTER TABLE scans ADD COLUMN model_flops REAL NOT NULL DEFAULT 0;
    `),
  },
  {
    version: 5,
    name: 'tags.overridden: a prediction with a human row for the same video and tag, kept by triggers',
    // Counting "tag X" used to probe for a human row once per predicted row (~30k probes for `person`); a stored
    // flag lets the count read one index range. Updates only touch rows whose flag really changes, because every
    // UPDATE of tags also re-indexes the video's full-text row (video_search_tag_upd).
    up: (db) =>
      db.exec(`
      ALTER TABLE tags ADD COLUMN overridden INTEGER NOT NULL DEFAULT 0;
      UPDATE tags SET overridden = 1 WHERE source != 'human' AND EXISTS (
        SELECT 1 FROM tags h WHERE h.video_id = tags.video_id AND h.tag = tags.tag AND h.source = 'human');
      CREATE INDEX tags_tag_nocase_effective ON tags(tag COLLATE NOCASE, overridden, score, video_id);
      CREATE TRIGGER tags_overridden_pred_ins AFTER INSERT ON tags WHEN new.source != 'human' BEGIN
        UPDATE tags SET overridden = 1 WHERE video_id = new.video_id AND source = new.source AND tag = new.tag
          AND overridden = 0 AND EXISTS (
            SELECT 1 FROM tags h WHERE h.video_id = new.video_id AND h.source = 'human' AND h.tag = new.tag);
      END;
      CREATE TRIGGER tags_overridden_human_ins AFTER INSERT ON tags WHEN new.source = 'human' BEGIN
        UPDATE tags SET overridden = 1 WHERE video_id = new.video_id AND source IN ('student', 'teacher')
          AND tag = new.tag AND overridden = 0;
      END;
      CREATE TRIGGER tags_overridden_human_del AFTER DELETE ON tags WHEN old.source = 'human' BEGIN
        UPDATE tags SET overridden = 0 WHERE video_id = old.video_id AND source IN ('student', 'teacher')
          AND tag = old.tag AND overridden = 1;
      END;
      -- Nothing in Glimpse moves a row to another video, tag or source, but if something does, recompute both ends.
      CREATE TRIGGER tags_overridden_key_upd AFTER UPDATE OF video_id, tag, source ON tags BEGIN
        UPDATE tags SET overridden = (source != 'human' AND EXISTS (
            SELECT 1 FROM tags h WHERE h.video_id = tags.video_id AND h.source = 'human' AND h.tag = tags.tag))
          WHERE ((video_id = old.video_id AND tag = old.tag) OR (video_id = new.video_id AND tag = new.tag))
            AND overridden != (source != 'human' AND EXISTS (
              SELECT 1 FROM tags h WHERE h.video_id = tags.video_id AND h.source = 'human' AND h.tag = tags.tag));
      END;
    `),
  },
  {
    version: 6,
    name: 'scans.pipeline: the frame pipeline that produced the cached features',
    // Features from another preprocessing (v1 squashed frames to 512×512; v2 letterboxes) must never be mixed into
    // training, Compare or the benchmark: readers filter on this column. Older scans were all made by v1.
    up: (db) =>
      db.exec(`
      ALTER TABLE scans ADD COLUMN pipeline TEXT;
      UPDATE scans SET pipeline = 'sq512-v1';
    `),
  },
  {
    version: 7,
    name: 'settings and the undo stack of tag edits live in the database',
    // Both used to live outside it (settings.json in the cache folder, undo in memory): clearing the cache reset the
    // settings and a restart forgot what could be undone. The engine imports an old settings.json once.
    up: (db) =>
      db.exec(`
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE tag_undo (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        label TEXT NOT NULL,
        changes TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `),
  },
  {
    version: 8,
    name: 'failures the machine caused are retried; the device of each root is remembered',
    // error_retryable = 1: the last failure was the environment's (timeout, disk full, permission, missing tool), not
    // the file's; such a video stays pending and the next scan or rescan tries it again. roots.dev is the st_dev of
    // the root folder at its last index: a different device (an empty mount point) means the drive is not there.
    // Old rows whose stored error was a timeout or a full disk get their chance again.
    up: (db) =>
      db.exec(`
      ALTER TABLE videos ADD COLUMN error_retryable INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE roots ADD COLUMN dev INTEGER;
      UPDATE videos SET status = 'pending', error_retryable = 1
        WHERE status = 'error' AND (error LIKE '%timeout, process killed%' OR error LIKE '%No space left on device%'
          OR error LIKE '%Permission denied%' OR error LIKE '%could not run ff%' OR error LIKE '%ffmpeg/ffprobe not found%');
    `),
  },
  {
    version: 9,
    name: 'scans.tag_threshold: the probability a prediction of that scan had to reach to be a tag',
    // Tag scores are stored shifted so each model's decision line sits at 0.5 (toTagScores); the line is kept per scan
    // so the app can show the model's probability, and its threshold, rather than the shifted number. NULL = 0.5.
    up: (db) => db.exec('ALTER TABLE scans ADD COLUMN tag_threshold REAL'),
  },
  {
    version: 10,
    name: 'search pages sorted by name or date walk an index and stop after the page',
    // Measured at 100k videos (npm run bench, EXPLAIN QUERY PLAN): "car and not cat, by name" scanned every video
    // and sorted the matches in a temp B-tree (~90 CPU-ms); with the name index it walks names in order and stops
    // after the page. videos_mtime was (mtime_ms DESC, id ASC), which matches neither `mtime DESC, id DESC` nor
    // `mtime ASC, id ASC`, so every date page re-sorted its ties ("TEMP B-TREE FOR LAST TERM"); (mtime_ms, id) is
    // read forwards for one and backwards for the other.
    up: (db) =>
      db.exec(`
      CREATE INDEX videos_name_nocase ON videos(name COLLATE NOCASE, id);
      DROP INDEX IF EXISTS videos_mtime;
      CREATE INDEX videos_mtime ON videos(mtime_ms, id);
    `),
  },
  {
    version: 11,
    name: 'videos.recorded_at: when a video was recorded, for sorting and filtering by it',
    // recorded_at is read by the probe that indexing already runs (container or stream creation time). Videos probed
    // before this migration never had it read: recorded_read = 0 marks them, and the next rescan probes them once
    // more (an unchanged file is otherwise never opened again); after that a video without a date (NULL) is known to
    // have none and is not probed again. The two indexes serve "recorded" pages both ways with unknown dates last: like
    // the other sorts (migration 12) the key is never NULL but a sentinel beyond every date in that direction, so one
    // index per direction on exactly BrowseRepo's SORTS key serves a page and a keyset cursor.
    up: (db) =>
      db.exec(`
      ALTER TABLE videos ADD COLUMN recorded_at TEXT;
      ALTER TABLE videos ADD COLUMN recorded_read INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX videos_recorded_asc ON videos(ifnull(recorded_at, '9999'), id);
      CREATE INDEX videos_recorded_desc ON videos(ifnull(recorded_at, ''), id);
    `),
  },
  {
    version: 12,
    name: 'search pages sorted by duration, added, resolution or size walk an index; counts read a tag in video order',
    // Measured at 100k videos (npm run bench): "everything, by duration" sorted every video in a temp B-tree. Each index is
    // on exactly the key BrowseRepo's SORTS orders by (an index serves only the same expression), then id, the tie-break.
    // Unknown durations and sizes sort last either way, so their key differs by direction: one index per direction.
    up: (db) =>
      db.exec(`
      CREATE INDEX videos_duration_asc ON videos(ifnull(duration_s, 1e308), id);
      CREATE INDEX videos_duration_desc ON videos(ifnull(duration_s, -1e308), id);
      CREATE INDEX videos_added ON videos(added_at, id);
      CREATE INDEX videos_resolution_asc ON videos(ifnull(width * height, 1e308), id);
      CREATE INDEX videos_resolution_desc ON videos(ifnull(width * height, -1e308), id);
      CREATE INDEX videos_size ON videos(size_bytes, id);
      -- A count (and the facets) reads a tag's videos in video order, once each, without sorting them or looking them up
      -- in videos: "person" counted in 7 instead of 20 CPU-ms; the whole library's tag counts in 25 instead of 78.
      CREATE INDEX tags_tag_nocase_video ON tags(tag COLLATE NOCASE, overridden, video_id, score);
      CREATE INDEX tags_tag_video ON tags(tag, overridden, video_id, score);
      -- The folder list of the grid's first page counts videos per folder (path without the file's name): 150 → 5 CPU-ms.
      CREATE INDEX videos_dir ON videos(substr(path, 1, length(path) - length(name)));
    `),
  },
];
