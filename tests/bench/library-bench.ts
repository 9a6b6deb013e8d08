/**
 * Library benchmark (JSON on stdout). Not a unit test: numbers depend on the machine.
 *   node --import tsx tests/bench/library-bench.ts [--videos 100000] [--k 10] [--no-scan] [--data ../shared/data]
 * 1. a generated 100k-video database: "tag X and not Y, newest first" through the engine's search channel
 *    (what the UI calls) and through the full-text index; target < 50 ms.
 * 2. indexing throughput on the real clips in ../shared/data: metadata only (walk + fingerprint + probe), an
 *    unchanged re-index (the incremental cost), and a student scan (k frames per video through the CNNs), in
 *    files/s and s/video. Without ../shared/data it says `"skipped": "data missing"`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COCO80 } from '../../shared/coco.ts';
import { Engine } from '../../main/engine/engine.ts';
import { openDb } from '../../main/store/db.ts';
import { PROJECT_ROOT } from '../helpers/fixtures.ts';

const { values: o } = parseArgs({
  options: {
    videos: { type: 'string', default: '100000' },
    k: { type: 'string', default: '10' },
    'no-scan': { type: 'boolean', default: false },
    data: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data') },
  },
});
const N = Number(o.videos);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'glimpse-bench-'));
const result: Record<string, unknown> = { machine: { cpus: os.cpus().length, node: process.version } };

function rng(seed: number) {
  return () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Median wall time of `fn` over `runs` after one warm-up. */
async function timeIt(fn: () => unknown, runs = 15): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return Math.round(ts[Math.floor(ts.length / 2)] * 100) / 100;
}

async function queryBench() {
  const file = path.join(work, 'big.db');
  const t0 = performance.now();
  const db = openDb(file);
  const r = rng(42);
  // Skewed tag frequencies like a real library: person everywhere, most classes rare.
  const weights = COCO80.map((_, i) => (i === 0 ? 0.45 : 0.25 / (1 + i)));
  db.transaction(() => {
    db.prepare(`INSERT INTO roots(id, path) VALUES (1, '/library')`).run();
    const ins = db.prepare(
      `INSERT INTO videos(id, root_id, path, name, size_bytes, mtime_ms, duration_s, status, fingerprint) VALUES (?, 1, ?, ?, ?, ?, ?, 'ok', ?)`,
    );
    const tag = db.prepare(`INSERT OR IGNORE INTO tags(video_id, tag, source, score) VALUES (?, ?, 'student', ?)`);
    for (let id = 1; id <= N; id++) {
      const name = `clip ${id} ${COCO80[id % 80]}.mp4`;
      ins.run(id, `/library/folder ${id % 500}/${name}`, name, 1e6 + id, 1.6e12 + Math.floor(r() * 3e11), 5 + r() * 600, `fp${id}`);
      for (let c = 0; c < 80; c++) if (r() < weights[c]) tag.run(id, COCO80[c], Math.round((0.1 + 0.9 * r()) * 1e4) / 1e4);
      if (r() < 0.01) db.prepare(`INSERT OR IGNORE INTO tags(video_id, tag, source, score) VALUES (?, 'dog', 'human', 1)`).run(id);
    }
  })();
  db.pragma('optimize');
  const tags = (db.prepare('SELECT COUNT(*) AS n FROM tags').get() as { n: number }).n;
  const counts = Object.fromEntries(
    (
      db.prepare(`SELECT tag, COUNT(*) AS n FROM tags WHERE tag IN ('person','dog','cat','car') AND score >= 0.4 GROUP BY tag`).all() as {
        tag: string;
        n: number;
      }[]
    ).map((x) => [x.tag, x.n]),
  );
  db.close();
  const buildS = (performance.now() - t0) / 1000;

  const engine = new Engine({ dbPath: file, cacheDir: path.join(work, 'big-cache') });
  const q =
    (query: string, sort: 'date' | 'name' = 'date') =>
    () =>
      engine.call('library.search', { q: query, sort, dir: 'desc', limit: 100 });
  const out = {
    videos: N,
    tagRows: tags,
    tagCounts: counts,
    buildSeconds: Math.round(buildS * 10) / 10,
    targetMs: 50,
    ms: {
      'person and not dog, newest first': await timeIt(q('tag:person -tag:dog')),
      'dog and not person, newest first': await timeIt(q('tag:dog -tag:person')),
      'car and not cat, newest first': await timeIt(q('tag:car -tag:cat')),
      'path words (FTS) "folder 17", newest first': await timeIt(q('"folder 17"')),
      'no filter, newest first': await timeIt(q('')),
    },
  };
  await engine.close();
  return out;
}

async function waitJob(engine: Engine, jobId: string) {
  const j = await engine.jobs.wait(jobId);
  if (j.state !== 'done') throw new Error(`job ${j.kind} ${j.state}: ${j.error}`);
  return j;
}

async function indexBench() {
  const clips = path.join(o.data!, 'clips');
  if (!fs.existsSync(clips)) return { skipped: 'data missing', path: clips };
  const engine = new Engine({ dbPath: path.join(work, 'clips.db'), scan: { k: Number(o.k) } });
  let t = performance.now();
  const { jobId } = await engine.call('library.addRoot', { path: clips, scan: false });
  const job = await waitJob(engine, jobId!);
  const indexS = (performance.now() - t) / 1000;
  const { videos } = await engine.call('library.videos', { limit: 100_000 });
  t = performance.now();
  await waitJob(engine, (await engine.call('library.rescan', { scan: false })).jobId);
  const reindexS = (performance.now() - t) / 1000;
  const out: Record<string, unknown> = {
    data: clips,
    files: videos.length,
    errors: videos.filter((v) => v.status === 'error').length,
    metadataOnly: { seconds: round(indexS), filesPerS: round(videos.length / indexS), summary: job.message },
    unchangedReindex: { seconds: round(reindexS), filesPerS: round(videos.length / reindexS) },
  };
  if (!o['no-scan']) {
    // Wall time of the whole job (CNN model start-up once included), and the steady state between the first and
    // the last video committed (what a big library sees). The pipeline decodes ahead while the CNN runs.
    const commits: number[] = [];
    engine.events.on('event', (e) => {
      if (e.type === 'video') commits.push(performance.now());
    });
    t = performance.now();
    await waitJob(engine, (await engine.call('scan.start', { kind: 'student' })).jobId);
    const scanS = (performance.now() - t) / 1000;
    const ok = (await engine.call('library.videos', { limit: 100_000 })).videos.filter((v) => v.status === 'ok').length;
    const steadyS = commits.length > 1 ? (commits.at(-1)! - commits[0]) / 1000 : NaN;
    out.studentScan = {
      k: Number(o.k),
      videos: ok,
      seconds: round(scanS),
      filesPerS: round(ok / scanS),
      secondsPerVideo: round(scanS / Math.max(1, ok)),
      steadyState: { filesPerS: round((commits.length - 1) / steadyS), secondsPerVideo: round(steadyS / Math.max(1, commits.length - 1)) },
      decoders: Number(process.env.GLIMPSE_DECODERS) || Math.max(1, Math.min(4, os.availableParallelism() - 1)),
      note: 'seconds/filesPerS include CNN model start-up once; steadyState is first to last commit',
    };
  }
  await engine.close();
  // Per-video work recorded with each scan (decode and CNN stages; they overlap in the pipeline).
  const db = openDb(path.join(work, 'clips.db'));
  const per = db
    .prepare(`SELECT COUNT(*) AS n, AVG(seconds) AS s, AVG(decode_seconds) AS d, AVG(cnn_seconds) AS c FROM scans WHERE kind = 'student'`)
    .get() as { n: number; s: number | null; d: number | null; c: number | null };
  db.close();
  if (per.n) out.perVideoWork = { seconds: round(per.s!), decodeSeconds: round(per.d!), cnnSeconds: round(per.c!) };
  return out;
}

const round = (x: number) => Math.round(x * 100) / 100;

try {
  result.query100k = await queryBench();
  result.indexing = await indexBench();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
