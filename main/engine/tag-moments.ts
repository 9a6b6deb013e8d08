/**
 * Where a tag is in a video: the frames the student and the teacher looked at whose detector score for it reaches the
 * tag line. These are the marks on the player's timeline and a tag's "best moment" (the review queue, a search).
 */
import type { TagMoment } from '../../shared/api.ts';
import { COCO80 } from '../../shared/coco.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import type { ScansRepo } from '../store/scans-repo.ts';

export function tagMoments(scans: ScansRepo, videoId: number): Map<string, TagMoment[]> {
  const out = new Map<string, TagMoment[]>();
  for (const f of scans.frameScoresOf(videoId)) {
    f.class_scores.forEach((score, c) => {
      if (score < TAG_THRESHOLD || !COCO80[c]) return;
      const list = out.get(COCO80[c]) ?? [];
      list.push({ timeS: f.time_s, score: Math.round(score * 1e3) / 1e3, kind: f.kind, index: f.idx });
      out.set(COCO80[c], list);
    });
  }
  return out;
}

/** The frame that shows the tag best (highest score; the earliest among equals). */
export function bestMoment(moments: TagMoment[] | undefined): TagMoment | null {
  let best: TagMoment | null = null;
  for (const m of moments ?? []) if (!best || m.score > best.score) best = m;
  return best;
}
