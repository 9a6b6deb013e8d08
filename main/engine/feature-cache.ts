/**
 * The feature cache of the accuracy benchmark and of the shipped-model script: a database holding a teacher scan
 * of every clip, made through the real engine (library indexing, then a teacher scan job), so benchmark features
 * are exactly what the app computes. Keyed by the frame pipeline through its file name (features-<FRAME_PIPELINE>.db).
 */
import fs from 'node:fs';
import path from 'node:path';
import { FRAME_PIPELINE } from '../ml/frame-cnn.ts';

/**
 * Makes sure `dbPath` holds a teacher scan of every video under `clipsRoot`, using the app's engine (library
 * indexing, then a teacher scan job). Features are cached, so a second call finds nothing to do.
 */
export async function ensureFeatureDb(clipsRoot: string, dbPath: string, log: (s: string) => void = console.error): Promise<void> {
  const { Engine } = await import('./engine.ts');
  fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  const engine = new Engine({ dbPath });
  try {
    const added = await engine.call('library.addRoot', { path: path.resolve(clipsRoot), scan: false });
    if (added.jobId) {
      const j = await engine.jobs.wait(added.jobId);
      if (j.state !== 'done') throw new Error(`indexing ${clipsRoot} ${j.state}: ${j.error ?? j.message}`);
    }
    const { openDb } = await import('../store/db.ts');
    const { LibraryRepo } = await import('../store/library-repo.ts');
    const db = openDb(dbPath);
    const missing = new LibraryRepo(db).videosWithoutScan('teacher', { pipeline: FRAME_PIPELINE }).map((v) => v.id);
    db.close();
    if (!missing.length) {
      log(`feature cache ${dbPath}: every video already has a teacher scan`);
      return;
    }
    log(`feature cache ${dbPath}: teacher-scanning ${missing.length} videos (≈0.25 s per frame, ≥60 frames each)…`);
    const t0 = performance.now();
    const { jobId } = await engine.call('scan.start', { kind: 'teacher', videoIds: missing });
    const timer = setInterval(() => {
      const j = engine.jobs.list().find((x) => x.id === jobId);
      if (j) log(`  teacher scan ${j.done}/${j.total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }, 30_000);
    const j = await engine.jobs.wait(jobId).finally(() => clearInterval(timer));
    if (j.state !== 'done') throw new Error(`teacher scan ${j.state}: ${j.error ?? j.message}`);
  } finally {
    await engine.close();
  }
}
