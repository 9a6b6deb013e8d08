/**
 * Human tag edits with their undo stack, both in the database (migration 7): an edit and the record of what it
 * replaced commit in one transaction, so undo survives a restart and can never disagree with the tags.
 */
import { BrowseRepo } from './browse-repo.ts';
import type { Db } from './db.ts';

/** A human row to write: a score, or null to delete the row. */
export interface HumanChange {
  videoId: number;
  tag: string;
  score: number | null;
}

/** How many edits can be undone; older ones are forgotten. */
export const UNDO_DEPTH = 100;

export class TagEditsRepo {
  private browse: BrowseRepo;
  constructor(private db: Db) {
    this.browse = new BrowseRepo(db);
  }

  /** Apply the changes that change something, remembering what they replace. Returns how many rows changed. */
  apply(label: string, changes: HumanChange[]): number {
    return this.db.transaction(() => {
      const real = changes.filter((c) => this.browse.humanScore(c.videoId, c.tag) !== c.score);
      if (!real.length) return 0;
      const before = real.map((c) => ({ videoId: c.videoId, tag: c.tag, score: this.browse.humanScore(c.videoId, c.tag) }));
      this.browse.setHuman(real);
      this.db.prepare('INSERT INTO tag_undo(label, changes, created_at) VALUES (?, ?, ?)').run(label, JSON.stringify(before), Date.now());
      this.db.prepare('DELETE FROM tag_undo WHERE id <= (SELECT max(id) FROM tag_undo) - ?').run(UNDO_DEPTH);
      return real.length;
    })();
  }

  /** Put back what the last edit replaced; null when there is nothing to undo. Videos forgotten since are skipped. */
  undo(): string | null {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT id, label, changes FROM tag_undo ORDER BY id DESC LIMIT 1').get() as
        { id: number; label: string; changes: string } | undefined;
      if (!last) return null;
      const changes = JSON.parse(last.changes) as HumanChange[];
      const alive = new Set(this.browse.videoExists([...new Set(changes.map((c) => c.videoId))]));
      this.browse.setHuman(changes.filter((c) => alive.has(c.videoId)));
      this.db.prepare('DELETE FROM tag_undo WHERE id = ?').run(last.id);
      return last.label;
    })();
  }

  depth(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tag_undo').get() as { n: number }).n;
  }
}
