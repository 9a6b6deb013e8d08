/** Human tag edits (add, remove, rename) with undo; the undo stack is in the database (TagEditsRepo). */
import type { ParsedRequestOf, Results } from '../../shared/api.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import { HUMAN_NO, HUMAN_YES, type BrowseRepo } from '../store/browse-repo.ts';
import type { TagEditsRepo } from '../store/tag-edits-repo.ts';
import { EngineError } from './errors.ts';

/** Tags compare case- and space-insensitively: "Dining  Table" is "dining table". */
export const normTag = (t: string) => t.trim().toLowerCase().replace(/\s+/g, ' ');

export class TagEditService {
  constructor(
    private browse: BrowseRepo,
    private edits: TagEditsRepo,
  ) {}

  edit({ videoIds, add, remove, restore = [] }: ParsedRequestOf<'tags.edit'>): Results['tags.edit'] {
    const ids = this.browse.videoExists(videoIds);
    if (!ids.length) throw new EngineError('not_found', 'none of these videos exist');
    const changes = [
      ...add.map(normTag).flatMap((tag) => ids.map((videoId) => ({ videoId, tag, score: HUMAN_YES }))),
      ...remove.map(normTag).flatMap((tag) => ids.map((videoId) => ({ videoId, tag, score: HUMAN_NO }))),
      ...restore.map(normTag).flatMap((tag) => ids.map((videoId) => this.restoreChange(videoId, tag))),
    ];
    const what = [
      ...add.map((t) => `+${normTag(t)}`),
      ...remove.map((t) => `−${normTag(t)}`),
      ...restore.map((t) => `restore ${normTag(t)}`),
    ].join(' ');
    const changed = this.edits.apply(`${what} on ${ids.length} video${ids.length === 1 ? '' : 's'}`, changes);
    return { changed, undoDepth: this.edits.depth() };
  }

  /**
   * Undoing a removal: when a model predicts the tag, the person's "no" goes and the prediction counts again; when
   * none does, the tag was the person's own, so it comes back as theirs.
   */
  private restoreChange(videoId: number, tag: string): { videoId: number; tag: string; score: number | null } {
    if (this.browse.humanScore(videoId, tag) !== HUMAN_NO) return { videoId, tag, score: this.browse.humanScore(videoId, tag) };
    const predicted = this.browse.tagRows(videoId).some((r) => r.tag === tag && r.source !== 'human' && r.score >= TAG_THRESHOLD);
    return { videoId, tag, score: predicted ? null : HUMAN_YES };
  }

  rename({ from, to }: ParsedRequestOf<'tags.rename'>): Results['tags.rename'] {
    const a = normTag(from),
      b = normTag(to);
    if (a === b) throw new EngineError('invalid', 'the new name is the same as the old one');
    const ids = this.browse.videosWithTag(a, TAG_THRESHOLD);
    if (!ids.length) throw new EngineError('not_found', `no video carries the tag “${a}”`);
    // Renaming onto a tag videos already carry is a merge: the same edit, but the person is told the two are now one.
    const merged = this.browse.videosWithTag(b, TAG_THRESHOLD).length > 0;
    const changes = ids.flatMap((videoId) => [
      { videoId, tag: a, score: HUMAN_NO },
      { videoId, tag: b, score: HUMAN_YES },
    ]);
    this.edits.apply(`${merged ? 'merge' : 'rename'} ${a} → ${b}`, changes);
    return { changed: ids.length, undoDepth: this.edits.depth(), merged };
  }

  /**
   * Delete a tag everywhere: a human "no" on every video that carries it, so a later scan cannot bring it back and
   * undo restores exactly what was there (one edit on the undo stack).
   */
  delete({ tag }: ParsedRequestOf<'tags.delete'>): Results['tags.delete'] {
    const t = normTag(tag);
    const ids = this.browse.videosWithTag(t, TAG_THRESHOLD);
    if (!ids.length) throw new EngineError('not_found', `no video carries the tag “${t}”`);
    this.edits.apply(
      `delete ${t} from ${ids.length} video${ids.length === 1 ? '' : 's'}`,
      ids.map((videoId) => ({ videoId, tag: t, score: HUMAN_NO })),
    );
    return { changed: ids.length, undoDepth: this.edits.depth() };
  }

  undo(): Results['tags.undo'] {
    const undone = this.edits.undo();
    return { undone, undoDepth: this.edits.depth() };
  }
}
