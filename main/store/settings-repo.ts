/** The user's settings, one row per key (JSON values), in the library database (migration 7). */
import type { Db } from './db.ts';

export class SettingsRepo {
  constructor(private db: Db) {}

  /** Every saved setting; a value that no longer parses is skipped (its default applies). */
  all(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]) {
      try {
        out[r.key] = JSON.parse(r.value);
      } catch {
        /* a corrupt value falls back to the default */
      }
    }
    return out;
  }

  /** Save several settings at once: all or none. */
  save(values: Record<string, unknown>): void {
    const put = this.db.prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(values)) if (v !== undefined) put.run(k, JSON.stringify(v));
    })();
  }
}
