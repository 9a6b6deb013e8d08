/**
 * The review queue: predicted tags a person should look at, one after another: those below the low-confidence line
 * and those no looked-at frame shows clearly. Decisions go through the tag-edit path (TagEditService), so they are
 * human labels: they win over predictions, can be undone, and training reads them.
 */
import type { ReviewItem, Results } from '../../shared/api.ts';
import { LOW_CONFIDENCE } from '../../shared/query.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import type { BrowseRepo } from '../store/browse-repo.ts';
import type { ScansRepo } from '../store/scans-repo.ts';
import { bestMoment, tagMoments } from './tag-moments.ts';
import { effectiveTags } from './video-summaries.ts';

/** How many predictions are examined per request: the least confident first, so the cut only drops sure ones. */
const CANDIDATES = 5000;

export class ReviewService {
  constructor(
    private browse: BrowseRepo,
    private scans: ScansRepo,
  ) {}

  queue(limit: number): Results['review.queue'] {
    const items: ReviewItem[] = [];
    const perVideo = new Map<number, { tags: ReturnType<typeof effectiveTags>; moments: ReturnType<typeof tagMoments> }>();
    for (const c of this.browse.undecidedPredictions(TAG_THRESHOLD, CANDIDATES)) {
      let v = perVideo.get(c.video_id);
      if (!v) {
        v = {
          tags: effectiveTags(this.scans.tagsOf([c.video_id]).get(c.video_id) ?? []),
          moments: tagMoments(this.scans, c.video_id),
        };
        perVideo.set(c.video_id, v);
      }
      const tag = v.tags.find((t) => t.tag === c.tag);
      if (!tag || tag.source === 'human' || tag.score < TAG_THRESHOLD) continue;
      const best = bestMoment(v.moments.get(c.tag));
      const reasons: ReviewItem['reasons'] = [];
      if (tag.score < LOW_CONFIDENCE) reasons.push('low');
      if (!best) reasons.push('no-frame');
      if (reasons.length) items.push({ videoId: c.video_id, name: c.name, tag, reasons, best, hasThumbnail: !!c.thumbnail });
    }
    return { total: items.length, items: items.slice(0, limit) };
  }
}
