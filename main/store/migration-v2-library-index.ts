/**
 * Schema version 2: what incremental indexing needs. Kept in its own file so migrations.ts stays a short,
 * append-only list; like every shipped migration, never edit this once released.
 */
import type { Database } from 'better-sqlite3';

// Tags below this score are kept in `tags` for re-thresholding but are not words a person searches for.
// Frozen here on purpose: a migration must do the same thing forever, whatever shared/tags.ts says later.
const SEARCH_TAG_MIN = 0.4;

const tagWords = (videoId: string) =>
  `(SELECT coalesce(group_concat(tag, ' '), '') FROM (SELECT DISTINCT tag FROM tags WHERE video_id = ${videoId} AND score >= ${SEARCH_TAG_MIN} ORDER BY tag))`;

export function libraryIndexV2(db: Database): void {
  db.exec(`
    -- Identity of the content (size + hash of sampled blocks): a moved or renamed file is found again by it.
    ALTER TABLE videos ADD COLUMN fingerprint TEXT;
    ALTER TABLE videos ADD COLUMN missing_since TEXT;
    CREATE INDEX videos_fingerprint ON videos(fingerprint);
    -- "newest first" listings and tag filters sorted by file date.
    CREATE INDEX videos_mtime ON videos(mtime_ms DESC, id);
    -- Exclusion filters ("and not Y") probe tags by video first.
    CREATE INDEX tags_video_tag ON tags(video_id, tag, score);

    -- Folders and files the walker could not read; replaced on every walk of their root.
    CREATE TABLE walk_errors (
      root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      error TEXT NOT NULL,
      seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      PRIMARY KEY (root_id, path)
    ) WITHOUT ROWID;

    -- Jobs outlive the process that ran them, so \`glimpse jobs\` in another shell (or after a crash) can tell.
    CREATE TABLE job_runs (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      state TEXT NOT NULL,
      done INTEGER NOT NULL DEFAULT 0,
      total INTEGER NOT NULL DEFAULT 0,
      message TEXT NOT NULL DEFAULT '',
      error TEXT,
      pid INTEGER NOT NULL,
      started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
    );
    CREATE INDEX job_runs_started ON job_runs(started_at DESC);

    -- Full-text search over paths and tags; rowid = videos.id. Triggers keep it in step with any writer,
    -- including code that never heard of it (tag edits from the UI).
    CREATE VIRTUAL TABLE video_search USING fts5(path, tags, tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO video_search(rowid, path, tags) SELECT id, path, ${tagWords('videos.id')} FROM videos;
    CREATE TRIGGER video_search_ins AFTER INSERT ON videos BEGIN
      INSERT INTO video_search(rowid, path, tags) VALUES (new.id, new.path, ${tagWords('new.id')});
    END;
    CREATE TRIGGER video_search_path AFTER UPDATE OF path ON videos BEGIN
      UPDATE video_search SET path = new.path WHERE rowid = new.id;
    END;
    CREATE TRIGGER video_search_del AFTER DELETE ON videos BEGIN
      DELETE FROM video_search WHERE rowid = old.id;
    END;
    CREATE TRIGGER video_search_tag_ins AFTER INSERT ON tags BEGIN
      UPDATE video_search SET tags = ${tagWords('new.video_id')} WHERE rowid = new.video_id;
    END;
    CREATE TRIGGER video_search_tag_del AFTER DELETE ON tags BEGIN
      UPDATE video_search SET tags = ${tagWords('old.video_id')} WHERE rowid = old.video_id;
    END;
    CREATE TRIGGER video_search_tag_upd AFTER UPDATE ON tags BEGIN
      UPDATE video_search SET tags = ${tagWords('new.video_id')} WHERE rowid = new.video_id;
    END;
  `);
}
