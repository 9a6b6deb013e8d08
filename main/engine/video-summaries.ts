/** A video as every face lists it: its row plus one score per tag (a human tag wins, then the teacher, then the student). */
import type { TagScore, VideoSummary } from '../../shared/api.ts';
import { probabilityOf, TAG_THRESHOLD } from '../../shared/tags.ts';
import type { VideoRow } from '../store/library-repo.ts';
import type { ScansRepo, StoredTag } from '../store/scans-repo.ts';

export function videoSummaries(scans: ScansRepo, rows: VideoRow[]): VideoSummary[] {
  const tags = scans.tagsOf(rows.map((r) => r.id));
  const frames = scans.studentFrameCounts(rows.map((r) => r.id));
  return rows.map((v) => ({
    id: v.id,
    path: v.path,
    name: v.name,
    durationS: v.duration_s,
    width: v.width,
    height: v.height,
    sizeBytes: v.size_bytes,
    status: v.status,
    error: v.error,
    hasThumbnail: !!v.thumbnail,
    tags: bestTags(tags.get(v.id) ?? []),
    recordedAt: v.recorded_at ?? null,
    // Only a tagged video's frames show it as it is (a changed or missing file keeps its old scan until the next one).
    previewFrames: v.status === 'ok' ? (frames.get(v.id) ?? 0) : 0,
  }));
}

/**
 * The one confidence a person sees for a tag: a prediction's probability (its stored score with the model's shift
 * undone) and the line it had to pass; a human row has neither, it is the person's decision.
 */
export function tagScore(t: StoredTag): TagScore {
  if (t.source === 'human') return { tag: t.tag, score: t.score, source: t.source, probability: null, threshold: null };
  const line = t.line ?? TAG_THRESHOLD;
  return { tag: t.tag, score: t.score, source: t.source, probability: probabilityOf(t.score, line), threshold: line };
}

/** Per tag the row that counts (human, else teacher, else student), all of them, tagged or not. */
export function effectiveTags(all: StoredTag[]): TagScore[] {
  const rank = { human: 0, teacher: 1, student: 2 } as const;
  const byTag = new Map<string, StoredTag>();
  for (const t of all) {
    const cur = byTag.get(t.tag);
    if (!cur || rank[t.source] < rank[cur.source]) byTag.set(t.tag, t);
  }
  return [...byTag.values()].map(tagScore);
}

/** The tags a video carries, most confident first; the person's own tags lead (they are certain). */
function bestTags(all: StoredTag[]): TagScore[] {
  return effectiveTags(all)
    .filter((t) => t.score >= TAG_THRESHOLD)
    .sort((a, b) => (b.probability ?? 2) - (a.probability ?? 2) || a.tag.localeCompare(b.tag));
}
