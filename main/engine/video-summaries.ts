/** A video as every face lists it: its row plus one score per tag (a human tag wins, then the teacher, then the student). */
import type { VideoSummary } from '../../shared/api.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import type { VideoRow } from '../store/library-repo.ts';
import type { ScansRepo } from '../store/scans-repo.ts';

export function videoSummaries(scans: ScansRepo, rows: VideoRow[]): VideoSummary[] {
  const tags = scans.tagsOf(rows.map((r) => r.id));
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
  }));
}

function bestTags(all: { tag: string; score: number; source: 'student' | 'teacher' | 'human' }[]) {
  const rank = { human: 0, teacher: 1, student: 2 } as const;
  const byTag = new Map<string, (typeof all)[number]>();
  for (const t of all) {
    const cur = byTag.get(t.tag);
    if (!cur || rank[t.source] < rank[cur.source]) byTag.set(t.tag, t);
  }
  return [...byTag.values()].filter((t) => t.score >= TAG_THRESHOLD).sort((a, b) => b.score - a.score);
}
