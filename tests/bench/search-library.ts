/**
 * A generated library of `n` videos for the search benchmark, written with SQL into the real schema: COCO tags with
 * skewed frequencies like a real library (person everywhere, most classes rare), 1% human "dog" tags, 500 folders.
 */
import { COCO80 } from '../../shared/coco.ts';
import { openDb } from '../../main/store/db.ts';

function rng(seed: number) {
  return () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

export function buildLibrary(file: string, n: number): { videos: number; tagRows: number } {
  const db = openDb(file);
  const r = rng(42);
  const weights = COCO80.map((_, i) => (i === 0 ? 0.45 : 0.25 / (1 + i)));
  db.transaction(() => {
    db.prepare(`INSERT INTO roots(id, path) VALUES (1, '/library')`).run();
    const ins = db.prepare(
      `INSERT INTO videos(id, root_id, path, name, size_bytes, mtime_ms, duration_s, status, fingerprint) VALUES (?, 1, ?, ?, ?, ?, ?, 'ok', ?)`,
    );
    const tag = db.prepare(`INSERT OR IGNORE INTO tags(video_id, tag, source, score) VALUES (?, ?, ?, ?)`);
    for (let id = 1; id <= n; id++) {
      const name = `clip ${id} ${COCO80[id % 80]}.mp4`;
      ins.run(id, `/library/folder ${id % 500}/${name}`, name, 1e6 + id, 1.6e12 + Math.floor(r() * 3e11), 5 + r() * 600, `fp${id}`);
      for (let c = 0; c < 80; c++) if (r() < weights[c]) tag.run(id, COCO80[c], 'student', Math.round((0.1 + 0.9 * r()) * 1e4) / 1e4);
      if (r() < 0.01) tag.run(id, 'dog', 'human', 1);
    }
  })();
  db.pragma('optimize');
  const tagRows = (db.prepare('SELECT COUNT(*) AS n FROM tags').get() as { n: number }).n;
  db.close();
  return { videos: n, tagRows };
}
