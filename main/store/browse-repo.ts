/**
 * SQL behind the renderer: search (the shared query language), facets, sorting, "needs attention", human tag
 * edits and export. Human rows in `tags` are labels: score 1 means "a person says yes", score 0 "a person says
 * no"; either way they win over the student's and the teacher's predictions for that tag on that video.
 */
import type { QueryNode } from '../../shared/query.ts';
import { joinFrameVector } from '../ml/frame-vector.ts';
import { f32FromBlob } from './blob.ts';
import type { Db } from './db.ts';
import type { VideoRow } from './library-repo.ts';

export const HUMAN_YES = 1;
export const HUMAN_NO = 0;

/**
 * A `tags` row as alias `t` counts for its video: human rows always; predictions only without a human row.
 * `overridden` (migration 5, kept by triggers) is 1 exactly for predictions that have a human row, so counts
 * read one index range (tags_tag_nocase_effective) instead of probing for a human row per predicted row.
 */
const EFFECTIVE = (t: string, thr: string) => `${t}.score >= ${thr} AND ${t}.overridden = 0`;

export interface BrowseOptions {
  query: QueryNode | null;
  sort: 'name' | 'date' | 'duration' | 'confidence' | 'added' | 'resolution' | 'size' | 'recorded';
  dir: 'asc' | 'desc';
  folder?: string;
  minDurationS?: number;
  maxDurationS?: number;
  attention: boolean;
  /** ISO 8601 UTC instants (shared/date-range.ts): from inclusive, before exclusive */
  recordedFrom?: string;
  recordedBefore?: string;
  addedFrom?: string;
  addedBefore?: string;
  /** lines on the short side (720, 1080, 2160), or the 16:9 width of that on the long side */
  minResolution?: number;
  minSizeBytes?: number;
  maxSizeBytes?: number;
  /** > 0: only videos with a tag at least this sure (the caller raises `threshold` to it for tag terms and facets) */
  minConfidence?: number;
  limit: number;
  offset: number;
  /** Keyset pagination: the page starts right after this row (its sort key and id, from `last` of the page before);
   * `offset` is then ignored. A deep page costs what the first one does instead of walking every row above it. */
  after?: SortPosition;
  /** The count is already known (the first page's): not counted again. */
  total?: number;
  threshold: number;
  lowConfidence: number;
  sep: string;
}

export type BrowseRow = VideoRow & { confidence: number | null };

/** Where a row sits in a sort: its sort key (see SORTS) and its id (the tie-break). */
export interface SortPosition {
  key: string | number;
  id: number;
}

/**
 * Unknown durations and sizes sort last in either direction. The key gives them a sentinel beyond any real value
 * instead of NULL, so each sort is one never-NULL key plus the id, all in one direction: an index on exactly that
 * expression (migration 12) serves the ORDER BY, and a keyset cursor is a comparison of (key, id) with the last row's.
 */
const LAST_ASC = '1e308';
const LAST_DESC = '-1e308';

/**
 * The one map from a sort to its key. Each key is read off an index (walked in order, stopping after the page):
 * name: videos_name_nocase, date: videos_mtime (migration 10); the others: migration 12. Confidence depends on the
 * threshold, so it cannot be indexed: it sorts the matches (the `?` is the threshold). A new sort adds its key here
 * and, when it is a column, its index in a migration (tests/store/search-keyset.test.ts checks every sort's plan).
 */
const SORTS: Record<BrowseOptions['sort'], (dir: 'asc' | 'desc') => { sql: string; thresholdArg: boolean }> = {
  name: () => ({ sql: 'v.name COLLATE NOCASE', thresholdArg: false }),
  date: () => ({ sql: 'v.mtime_ms', thresholdArg: false }),
  duration: (d) => ({ sql: `ifnull(v.duration_s, ${d === 'asc' ? LAST_ASC : LAST_DESC})`, thresholdArg: false }),
  confidence: (d) => ({ sql: `ifnull((${confidenceSql()}), ${d === 'asc' ? LAST_ASC : LAST_DESC})`, thresholdArg: true }),
  added: () => ({ sql: 'v.added_at', thresholdArg: false }),
  resolution: (d) => ({ sql: `ifnull(v.width * v.height, ${d === 'asc' ? LAST_ASC : LAST_DESC})`, thresholdArg: false }),
  size: () => ({ sql: 'v.size_bytes', thresholdArg: false }),
  // ISO text: '9999' sorts after every date, '' before every one (migration 11's indexes)
  recorded: (d) => ({ sql: `ifnull(v.recorded_at, '${d === 'asc' ? '9999' : ''}')`, thresholdArg: false }),
};

/**
 * Highest score among the predicted tags a video effectively carries (one `?` for the threshold). A person's tags
 * (score 1 = "yes") are left out: they are not a model's confidence, and counting them as 100% put every video a
 * person touched at the top of a confidence sort and out of "Needs attention".
 */
function confidenceSql(): string {
  return `SELECT max(c.score) FROM tags c WHERE c.video_id = v.id AND c.source != 'human' AND ${EFFECTIVE('c', '?')}`;
}

/** A video with both scans: s_* the student's, t_* the teacher's (vm = video-model stage). */
export interface ComparePair {
  video_id: number;
  name: string;
  duration_s: number | null;
  s_id: number;
  s_model: string;
  s_seconds: number;
  s_frames: number;
  s_decode: number;
  s_cnn: number;
  s_vm: number;
  s_vm_flops: number;
  t_id: number;
  t_seconds: number;
  t_frames: number;
  t_decode: number;
  t_cnn: number;
  t_vm: number;
  t_vm_flops: number;
}

export class BrowseRepo {
  private hasFts: boolean;
  private tagSizes = new Map<string, { n: number; at: number }>();

  constructor(private db: Db) {
    this.hasFts = !!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'video_search'`).get();
  }

  // `forCount`: a count visits every match, so it drives from the tag index (IN, materialised once); a page
  // sorted by date walks videos_mtime and stops after LIMIT rows, where a correlated EXISTS is cheaper. The `+` on
  // t.tag keeps that EXISTS on the per-video index: left to itself SQLite probes tags_tag_nocase, i.e. every row of
  // the tag for every video (37 s for `person -dog` over 50k videos).
  // `skip`: a term left out (the tag `matches` already drives from). `probe(tag)`: in a count, check that tag per match
  // with one index seek instead of materialising all its videos (cheaper when the tag has more videos than the driver).
  private where(
    o: BrowseOptions,
    forCount = false,
    skip?: QueryNode,
    probe?: (tag: string) => boolean,
  ): { sql: string; args: (string | number)[] } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const compile = (n: QueryNode): string => {
      switch (n.type) {
        case 'and':
          return `(${n.items
            .filter((i) => i !== skip)
            .map(compile)
            .join(' AND ')})`;
        case 'or':
          return `(${n.items.map(compile).join(' OR ')})`;
        case 'not':
          return `NOT ${compile(n.item)}`;
        case 'term':
          if (n.field === 'tag') {
            args.push(n.value, o.threshold);
            if (forCount && probe?.(n.value))
              return `EXISTS (SELECT 1 FROM tags t INDEXED BY tags_tag_nocase_video
                WHERE t.tag = ? COLLATE NOCASE AND t.overridden = 0 AND t.video_id = v.id AND t.score >= ?)`;
            return forCount
              ? `v.id IN (SELECT t.video_id FROM tags t WHERE t.tag = ? COLLATE NOCASE AND ${EFFECTIVE('t', '?')})`
              : `EXISTS (SELECT 1 FROM tags t WHERE t.video_id = v.id AND +t.tag = ? COLLATE NOCASE AND ${EFFECTIVE('t', '?')})`;
          }
          if (this.hasFts) {
            args.push(`path : "${n.value.replace(/"/g, '""')}" *`);
            return `v.id IN (SELECT rowid FROM video_search WHERE video_search MATCH ?)`;
          }
          args.push(`%${n.value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
          return `v.path LIKE ? ESCAPE '\\'`;
      }
    };
    if (o.query && o.query !== skip && !(o.query.type === 'and' && o.query.items.every((i) => i === skip))) where.push(compile(o.query));
    if (o.folder) {
      const prefix = o.folder.endsWith(o.sep) ? o.folder : o.folder + o.sep;
      where.push(`v.path LIKE ? ESCAPE '\\'`);
      args.push(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (o.minDurationS !== undefined) {
      where.push('v.duration_s >= ?');
      args.push(o.minDurationS);
    }
    if (o.maxDurationS !== undefined) {
      where.push('v.duration_s <= ?');
      args.push(o.maxDurationS);
    }
    // Dates are stored as toISOString() text (added_at by strftime in the same shape), so they compare as strings;
    // a video with no known date fails every bound (NULL), as a filter on dates should.
    const bound = (sql: string, v: string | number | undefined) => {
      if (v === undefined) return;
      where.push(sql);
      args.push(v);
    };
    bound('v.recorded_at >= ?', o.recordedFrom);
    bound('v.recorded_at < ?', o.recordedBefore);
    bound('v.added_at >= ?', o.addedFrom);
    bound('v.added_at < ?', o.addedBefore);
    bound('v.size_bytes >= ?', o.minSizeBytes);
    bound('v.size_bytes <= ?', o.maxSizeBytes);
    if (o.minResolution !== undefined) {
      // "1080p" is the short side of a 1920×1080 or a phone's 1080×1920; a film letterboxed to 1920×800 is 1080p too,
      // by its width, so the long side at 16:9 counts as well.
      where.push('(min(v.width, v.height) >= ? OR max(v.width, v.height) >= ?)');
      args.push(o.minResolution, Math.round((o.minResolution * 16) / 9));
    }
    if (o.minConfidence) {
      // A prediction at least that sure, or a tag the person gave (a decision, always counted; not a confidence).
      where.push(
        `((${confidenceSql()}) IS NOT NULL OR EXISTS (SELECT 1 FROM tags h WHERE h.video_id = v.id AND h.source = 'human' AND h.score >= ?))`,
      );
      args.push(o.threshold, o.threshold);
    }
    if (o.attention) {
      // Broken files, missing ones, failures of the machine waiting for a retry (error_retryable), tagged videos with a
      // warning (e.g. truncated), and tags nobody is sure of.
      // A person's own tags are decisions, not confidences: a video only they tagged needs no attention, and their
      // "yes" never lifts a doubtful prediction out of the list.
      where.push(
        `(v.status IN ('error', 'missing') OR v.error_retryable = 1 OR (v.status = 'ok' AND v.error IS NOT NULL)
          OR (v.status = 'ok' AND (${confidenceSql()}) < ?)
          OR (v.status = 'ok' AND (${confidenceSql()}) IS NULL
            AND NOT EXISTS (SELECT 1 FROM tags h WHERE h.video_id = v.id AND h.source = 'human' AND h.score >= ?)))`,
      );
      args.push(o.threshold, o.lowConfidence, o.threshold, o.threshold);
    }
    return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
  }

  /**
   * Predictions nobody has decided on (no human row for the tag) that count as tags, on readable videos, least
   * confident first: the candidates of the review queue.
   */
  undecidedPredictions(threshold: number, limit: number): { video_id: number; name: string; thumbnail: string | null; tag: string }[] {
    return this.db
      .prepare(
        `SELECT t.video_id, v.name, v.thumbnail, t.tag FROM tags t JOIN videos v ON v.id = t.video_id
      WHERE v.status = 'ok' AND t.source != 'human' AND ${EFFECTIVE('t', '?')}
        AND NOT EXISTS (SELECT 1 FROM tags o WHERE o.video_id = t.video_id AND o.tag = t.tag AND o.source = 'teacher' AND t.source = 'student')
      ORDER BY t.score, v.name COLLATE NOCASE, t.tag LIMIT ?`,
      )
      .all(threshold, limit) as { video_id: number; name: string; thumbnail: string | null; tag: string }[];
  }

  /** Tags a person removed from a video (human "no" rows). */
  removedTags(videoId: number): string[] {
    return (
      this.db.prepare(`SELECT tag FROM tags WHERE video_id = ? AND source = 'human' AND score < 0.5 ORDER BY tag`).all(videoId) as {
        tag: string;
      }[]
    ).map((r) => r.tag);
  }

  /** One page of a search, its rows in the sort's order (ties by id), the total, and where its last row sits. */
  search(o: BrowseOptions): { total: number; rows: BrowseRow[]; last: SortPosition | null } {
    const w = this.where(o);
    let total = o.total;
    if (total === undefined) {
      const m = this.matches(o);
      total = (this.db.prepare(`SELECT count(*) AS n FROM (${m.sql})`).get(...m.args) as { n: number }).n;
    }
    const dir = o.dir === 'desc' ? 'DESC' : 'ASC';
    const key = SORTS[o.sort](o.dir);
    const keyArgs = key.thresholdArg ? [o.threshold] : [];
    let where = w.sql;
    const args: (string | number)[] = [o.threshold, ...keyArgs, ...w.args];
    if (o.after) {
      // Rows after the cursor: (key, id) beyond it. Spelled out because SQLite turns only the plain comparison of an
      // indexed expression into an index range; a row value `(key, id) < (?, ?)` walked the index from its start.
      const c = o.dir === 'desc' ? '<' : '>';
      where = `${where ? `${where} AND` : 'WHERE'} ${key.sql} ${c}= ? AND (${key.sql} ${c} ? OR v.id ${c} ?)`;
      args.push(...keyArgs, o.after.key, ...keyArgs, o.after.key, o.after.id);
    }
    const rows = this.db
      .prepare(
        `SELECT v.*, (${confidenceSql()}) AS confidence, ${key.sql} AS sort_key FROM videos v ${where}
      ORDER BY sort_key ${dir}, v.id ${dir} LIMIT ? OFFSET ?`,
      )
      .all(...args, o.limit, o.after ? 0 : o.offset) as (BrowseRow & { sort_key: string | number })[];
    const tail = rows.at(-1);
    const last = tail ? { key: tail.sort_key, id: tail.id } : null;
    for (const r of rows) delete (r as Partial<typeof r>).sort_key;
    return { total, rows, last };
  }

  /**
   * The ids of every match (what a count and the facets visit), without the page's sort. When every match must carry
   * some tag (`person`, `person -dog`, `person "folder 1"`), the ids come from that tag's index range, one per video in
   * video order (tags_tag_nocase_video: a GROUP BY with no temp B-tree), and the other terms are checked against them:
   * looking each id up in `videos` cost half of a count (20 ms for `person` at 100k videos; 7 ms without). A foreign key
   * guarantees every tagged id is a video; `videos` is joined only when a filter reads its columns.
   */
  private matches(o: BrowseOptions): { sql: string; args: (string | number)[] } {
    const q = o.query;
    const isTag = (n: QueryNode) => n.type === 'term' && n.field === 'tag';
    // The driver is the rarest tag every match carries; another tag with more rows is probed per match (`dog -person`:
    // 2.5k seeks instead of listing person's 25k videos, 21 → 4 CPU-ms), one with fewer is listed once (`person -dog`).
    const candidates = q && isTag(q) ? [q] : q?.type === 'and' ? q.items.filter(isTag) : [];
    const driver = candidates.reduce<QueryNode | undefined>(
      (best, n) => (best?.type === 'term' && n.type === 'term' && this.tagSize(best.value) <= this.tagSize(n.value) ? best : n),
      undefined,
    );
    if (driver?.type !== 'term') {
      const w = this.where(o, true);
      return { sql: `SELECT v.id FROM videos v ${w.sql}`, args: w.args };
    }
    const driverSize = this.tagSize(driver.value);
    const w = this.where(o, true, driver, (tag) => this.tagSize(tag) > driverSize);
    const readsRow =
      o.folder ||
      o.minDurationS !== undefined ||
      o.maxDurationS !== undefined ||
      o.attention ||
      !this.hasFts ||
      [o.recordedFrom, o.recordedBefore, o.addedFrom, o.addedBefore, o.minResolution, o.minSizeBytes, o.maxSizeBytes].some(
        (x) => x !== undefined,
      );
    const ids = `SELECT t.video_id AS id FROM tags t INDEXED BY tags_tag_nocase_video
      WHERE t.tag = ? COLLATE NOCASE AND ${EFFECTIVE('t', '?')} GROUP BY t.video_id`;
    return {
      sql: readsRow ? `SELECT v.id FROM (${ids}) d JOIN videos v ON v.id = d.id ${w.sql}` : `SELECT v.id FROM (${ids}) v ${w.sql}`,
      args: [driver.value, o.threshold, ...w.args],
    };
  }

  /**
   * About how many rows a tag has (any score), for choosing how to count: only speed depends on it, never a result,
   * so a figure up to a minute old will do (counting person's 45k index entries costs ~2 ms).
   */
  private tagSize(tag: string): number {
    const key = tag.toLowerCase();
    const hit = this.tagSizes.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.n;
    const n = (
      this.db
        .prepare(`SELECT count(*) AS n FROM tags INDEXED BY tags_tag_nocase_video WHERE tag = ? COLLATE NOCASE AND overridden = 0`)
        .get(tag) as {
        n: number;
      }
    ).n;
    this.tagSizes.set(key, { n, at: Date.now() });
    return n;
  }

  facets(o: BrowseOptions): { tag: string; count: number }[] {
    const m = this.matches(o);
    // The whole library (the grid's first page): every tag row counts, read off tags_tag_video in (tag, video) order, so
    // nothing joins videos (a foreign key guarantees each tagged video exists).
    const filtered = o.query || o.folder || o.minDurationS !== undefined || o.maxDurationS !== undefined || o.attention || o.minConfidence;
    return this.db
      .prepare(
        filtered
          ? `SELECT t.tag AS tag, count(DISTINCT t.video_id) AS count FROM tags t
      WHERE t.video_id IN (${m.sql}) AND ${EFFECTIVE('t', '?')}
      GROUP BY t.tag ORDER BY count DESC, t.tag LIMIT 200`
          : `SELECT t.tag AS tag, count(DISTINCT t.video_id) AS count FROM tags t INDEXED BY tags_tag_video
      WHERE ${EFFECTIVE('t', '?')} GROUP BY t.tag ORDER BY count DESC, t.tag LIMIT 200`,
      )
      .all(...(filtered ? m.args : []), o.threshold) as { tag: string; count: number }[];
  }

  /** Folders that directly hold videos, most populated first. */
  folders(sep: string): string[] {
    // A video's folder is its path without its name (the file's name, as the walk records it), read off the index on
    // exactly that expression (videos_dir, migration 12): 5 CPU-ms at 100k videos. Cutting the path at its last separator
    // with rtrim computed a string per video and sorted them all: 150 ms, on every first page of the grid.
    const rows = this.db
      .prepare(
        `SELECT substr(path, 1, length(path) - length(name)) AS dir, count(*) AS n FROM videos
      GROUP BY dir ORDER BY n DESC, dir LIMIT 200`,
      )
      .all() as { dir: string }[];
    return rows.map((r) => (r.dir.length > 1 && r.dir.endsWith(sep) ? r.dir.slice(0, -1) : r.dir)).sort();
  }

  /** Every known tag name (predicted or human), for deciding whether a bare search word is a tag. */
  knownTags(): Set<string> {
    // A skip-scan over tags_tag_nocase: one index seek per distinct tag (~0.1 ms) instead of reading every tag
    // row (~15 ms at 100k videos), and this runs on every search.
    return new Set(
      (
        this.db
          .prepare(
            `WITH RECURSIVE k(tag) AS (
        SELECT (SELECT tag FROM tags ORDER BY tag COLLATE NOCASE LIMIT 1)
        UNION ALL
        SELECT (SELECT t.tag FROM tags t WHERE t.tag > k.tag COLLATE NOCASE ORDER BY t.tag COLLATE NOCASE LIMIT 1) FROM k WHERE k.tag IS NOT NULL
      ) SELECT lower(tag) AS tag FROM k WHERE tag IS NOT NULL`,
          )
          .all() as { tag: string }[]
      ).map((r) => r.tag),
    );
  }

  /** Videos that effectively carry `tag`. */
  videosWithTag(tag: string, threshold: number): number[] {
    return (
      this.db.prepare(`SELECT DISTINCT t.video_id AS id FROM tags t WHERE t.tag = ? AND ${EFFECTIVE('t', '?')}`).all(tag, threshold) as {
        id: number;
      }[]
    ).map((r) => r.id);
  }

  /** The human row for (video, tag): its score, or null when there is none. */
  humanScore(videoId: number, tag: string): number | null {
    const r = this.db.prepare(`SELECT score FROM tags WHERE video_id = ? AND tag = ? AND source = 'human'`).get(videoId, tag) as
      { score: number } | undefined;
    return r ? r.score : null;
  }

  /** Set (or with null, delete) human rows; one transaction. */
  setHuman(changes: { videoId: number; tag: string; score: number | null }[]): void {
    const up = this.db.prepare(`INSERT INTO tags(video_id, tag, source, score) VALUES (?, ?, 'human', ?)
      ON CONFLICT(video_id, source, tag) DO UPDATE SET score = excluded.score`);
    const del = this.db.prepare(`DELETE FROM tags WHERE video_id = ? AND tag = ? AND source = 'human'`);
    this.db.transaction(() => {
      for (const c of changes) {
        if (c.score === null) del.run(c.videoId, c.tag);
        else up.run(c.videoId, c.tag, c.score);
      }
    })();
  }

  /** Every human tag row with its video's path (labels for training; score HUMAN_YES or HUMAN_NO). */
  humanTagRows(): { video_id: number; path: string; tag: string; score: number }[] {
    return this.db
      .prepare(
        `SELECT t.video_id, v.path, t.tag, t.score FROM tags t JOIN videos v ON v.id = t.video_id
      WHERE t.source = 'human' ORDER BY t.video_id, t.tag`,
      )
      .all() as { video_id: number; path: string; tag: string; score: number }[];
  }

  /** Videos a labels file can match (not missing), by id, path and name. */
  labelTargets(): { id: number; path: string; name: string }[] {
    return this.db.prepare(`SELECT id, path, name FROM videos WHERE status != 'missing'`).all() as {
      id: number;
      path: string;
      name: string;
    }[];
  }

  /** Human "yes" labels in one transaction (an import never half-applies). */
  addHumanYes(rows: { videoId: number; tag: string }[]): void {
    const put = this.db.prepare(`INSERT INTO tags(video_id, tag, source, score) VALUES (?, ?, 'human', ${HUMAN_YES})
      ON CONFLICT(video_id, source, tag) DO UPDATE SET score = ${HUMAN_YES}`);
    this.db.transaction(() => {
      for (const r of rows) put.run(r.videoId, r.tag);
    })();
  }

  videoExists(ids: number[]): number[] {
    const st = this.db.prepare('SELECT id FROM videos WHERE id = ?');
    return ids.filter((id) => st.get(id));
  }

  /** Effective tags of every video, for export. */
  exportRows(threshold: number): { video_id: number; path: string; tag: string; score: number; source: string }[] {
    return this.db
      .prepare(
        `SELECT t.video_id, v.path, t.tag, t.score, t.source FROM tags t JOIN videos v ON v.id = t.video_id
      WHERE ${EFFECTIVE('t', '?')} ORDER BY v.path, t.score DESC, t.tag`,
      )
      .all(threshold) as { video_id: number; path: string; tag: string; score: number; source: string }[];
  }

  rootPaths(): string[] {
    return (this.db.prepare('SELECT path FROM roots').all() as { path: string }[]).map((r) => r.path);
  }

  videoRow(id: number): VideoRow | undefined {
    return this.db.prepare('SELECT * FROM videos WHERE id = ?').get(id) as VideoRow | undefined;
  }

  studentFrame(videoId: number, index: number): { time_s: number; scan_id: number } | undefined {
    return this.db
      .prepare(
        `SELECT f.time_s, f.scan_id FROM frames f JOIN scans s ON s.id = f.scan_id
      WHERE s.video_id = ? AND s.kind = 'student' AND f.idx = ? ORDER BY s.id DESC LIMIT 1`,
      )
      .get(videoId, index) as { time_s: number; scan_id: number } | undefined;
  }

  /** Videos with both a student and a teacher scan, with both scans. */
  comparePairs(): ComparePair[] {
    return this.db
      .prepare(
        `SELECT v.id AS video_id, v.name, v.duration_s, s.id AS s_id, s.model AS s_model, s.seconds AS s_seconds, s.frame_count AS s_frames,
        s.decode_seconds AS s_decode, s.cnn_seconds AS s_cnn, s.model_seconds AS s_vm, s.model_flops AS s_vm_flops,
        t.id AS t_id, t.seconds AS t_seconds, t.frame_count AS t_frames,
        t.decode_seconds AS t_decode, t.cnn_seconds AS t_cnn, t.model_seconds AS t_vm, t.model_flops AS t_vm_flops
      FROM videos v JOIN scans s ON s.video_id = v.id AND s.kind = 'student' JOIN scans t ON t.video_id = v.id AND t.kind = 'teacher'
      ORDER BY v.name COLLATE NOCASE, v.id`,
      )
      .all() as ComparePair[];
  }

  tagRows(videoId: number): { tag: string; source: 'student' | 'teacher' | 'human'; score: number }[] {
    return this.db.prepare('SELECT tag, source, score FROM tags WHERE video_id = ?').all(videoId) as {
      tag: string;
      source: 'student' | 'teacher' | 'human';
      score: number;
    }[];
  }

  /** Each frame's full cached vector [embedding | class scores], what a video model reads. */
  frameVectors(scanId: number): Float32Array[] {
    return (
      this.db.prepare('SELECT embedding, class_scores FROM frames WHERE scan_id = ? ORDER BY idx').all(scanId) as {
        embedding: Buffer;
        class_scores: Buffer;
      }[]
    ).map((r) => joinFrameVector(f32FromBlob(r.embedding), f32FromBlob(r.class_scores)));
  }

  frameScores(scanId: number): Float32Array[] {
    return (
      this.db.prepare('SELECT class_scores FROM frames WHERE scan_id = ? ORDER BY idx').all(scanId) as { class_scores: Buffer }[]
    ).map((r) => f32FromBlob(r.class_scores));
  }
}
