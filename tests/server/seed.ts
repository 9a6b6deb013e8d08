/** Seed a library database without scanning: rows written the way the engine writes them. */
import path from 'node:path';
import Database from 'better-sqlite3';

export interface SeedVideo {
  path: string;
  durationS?: number;
  status?: 'ok' | 'error' | 'pending';
  error?: string;
  mtimeMs?: number;
  tags?: [string, number, ('student' | 'teacher' | 'human')?][];
}

export function seed(dbPath: string, root: string, videos: SeedVideo[]): number[] {
  const db = new Database(dbPath);
  try {
    db.prepare('INSERT OR IGNORE INTO roots(path) VALUES (?)').run(root);
    const rootId = (db.prepare('SELECT id FROM roots WHERE path = ?').get(root) as { id: number }).id;
    const ins = db.prepare(
      `INSERT INTO videos(root_id, path, name, size_bytes, mtime_ms, duration_s, status, error) VALUES (?, ?, ?, 1, ?, ?, ?, ?)`,
    );
    const tag = db.prepare(`INSERT INTO tags(video_id, tag, source, score) VALUES (?, ?, ?, ?)`);
    const ids: number[] = [];
    db.transaction(() => {
      videos.forEach((v, i) => {
        const id = Number(
          ins.run(
            rootId,
            v.path,
            path.basename(v.path),
            v.mtimeMs ?? 1_700_000_000_000 + i * 1000,
            v.durationS ?? 10,
            v.status ?? 'ok',
            v.error ?? null,
          ).lastInsertRowid,
        );
        for (const [t, s, src] of v.tags ?? []) tag.run(id, t, src ?? 'student', s);
        ids.push(id);
      });
    })();
    return ids;
  } finally {
    db.close();
  }
}
