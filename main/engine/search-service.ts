/**
 * The one query path for search, facets and tag counts: the app's search box, `glimpse search/videos/tags` and the
 * HTTP API all come here, so a tag a person removed hides the video everywhere (BrowseRepo: human edits win).
 */
import path from 'node:path';
import { parseRequest, type ParsedRequestOf, type Results, type VideoSummary } from '../../shared/api.ts';
import { COCO80 } from '../../shared/coco.ts';
import { rangeEnd, rangeStart } from '../../shared/date-range.ts';
import { formatQuery, LOW_CONFIDENCE, parseQuery, resolveQuery } from '../../shared/query.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import type { BrowseRepo } from '../store/browse-repo.ts';
import type { VideoRow } from '../store/library-repo.ts';
import { decodeCursor, encodeCursor } from './search-cursor.ts';

export class SearchService {
  constructor(
    private repo: BrowseRepo,
    private summaries: (rows: VideoRow[]) => VideoSummary[],
  ) {}

  search(r: ParsedRequestOf<'library.search'>): Results['library.search'] {
    const known = this.repo.knownTags();
    for (const t of COCO80) known.add(t);
    // Prefix search: "pe" is also every known tag that starts with it (person), besides a name prefix.
    const sorted = [...known].sort();
    const query = resolveQuery(
      parseQuery(r.q),
      (v) => known.has(v.toLowerCase()),
      (v) => sorted.filter((t) => t.startsWith(v.toLowerCase())),
    );
    // A minimum confidence is the tag threshold raised: tag terms, facets and the card's confidence all use it.
    const threshold = Math.max(TAG_THRESHOLD, r.minConfidence ?? 0);
    const from = r.cursor === undefined ? undefined : decodeCursor({ ...r, cursor: r.cursor });
    const opts = {
      ...r,
      query,
      threshold,
      lowConfidence: LOW_CONFIDENCE,
      sep: path.sep,
      // A bound the request schema let through is a real date (isDateBound), so these are never null.
      recordedFrom: r.recordedFrom ? (rangeStart(r.recordedFrom) ?? undefined) : undefined,
      recordedBefore: r.recordedTo ? (rangeEnd(r.recordedTo) ?? undefined) : undefined,
      addedFrom: r.addedFrom ? (rangeStart(r.addedFrom) ?? undefined) : undefined,
      addedBefore: r.addedTo ? (rangeEnd(r.addedTo) ?? undefined) : undefined,
      after: from?.after,
      total: from?.total,
    };
    const { total, rows, last } = this.repo.search(opts);
    const sums = this.summaries(rows);
    const seen = (from ? 0 : r.offset) + rows.length;
    return {
      total,
      videos: sums.map((s, i) => ({ ...s, confidence: shownConfidence(s, rows[i].confidence), mtimeMs: rows[i].mtime_ms })),
      facets: r.facets ? this.repo.facets(opts) : [],
      folders: r.facets ? this.repo.folders(path.sep) : [],
      understood: formatQuery(query),
      // A full page may be followed by more; a short one is the last (with a cursor, `seen` is not known: keep going).
      next: last && rows.length === r.limit && (from || seen < total) ? encodeCursor(r, { after: last, total }) : null,
    };
  }

  /** Every page of a search up to `limit` videos (the CLI's `videos --tag/--query`). */
  searchAll(q: string, limit: number, offset: number): { total: number; videos: VideoSummary[] } {
    const videos: VideoSummary[] = [];
    let total = 0;
    // Pages after the first continue from the one before (keyset), so a long listing costs one page at a time.
    let cursor: string | undefined;
    while (videos.length < limit) {
      const page = this.search(parseRequest('library.search', { q, limit: Math.min(1000, limit - videos.length), offset, cursor }));
      total = page.total;
      videos.push(...page.videos);
      if (!page.next) break;
      cursor = page.next;
    }
    return { total, videos };
  }

  /** Tag counts (the facets of an empty query). */
  tagCounts(): { tag: string; count: number }[] {
    return this.search(parseRequest('library.search', { q: '', facets: true, limit: 1 })).facets;
  }
}

/**
 * A card's confidence: the probability of its most confident predicted tag, the same number its chip and its page show
 * (the store sorts by the raw score; within a model the order is the same). Null without a predicted tag.
 */
function shownConfidence(v: VideoSummary, raw: number | null): number | null {
  if (raw === null) return null;
  const ps = v.tags.map((t) => t.probability).filter((p): p is number => typeof p === 'number');
  return ps.length ? Math.max(...ps) : raw;
}
