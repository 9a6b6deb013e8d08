/**
 * Helpers of the accuracy benchmark (tests/bench/accuracy.ts) and of the default-model script
 * (resources/models/train-defaults.ts): locating the team's clips and labels, building/reusing the feature
 * cache through the real engine, loading cached features with human labels, grouped k-fold splits, the
 * max-pooling baseline, the per-class evidence blend, and the markdown table. The pure parts are unit-tested in
 * tests/bench/accuracy-table.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../main/store/db.ts';
import { groupOf, loadScanFeatures, multiHot, readLabelsCsv, type VideoFeatures } from '../../main/ml/dataset.ts';
import { makeRng } from '../../main/ml/rng.ts';

// ---------------------------------------------------------------------------------------------- data location

export interface DataLocation { dataDir: string; clipsRoot: string; labelsCsv: string }

/**
 * `--clips` may name the data folder (holding clips/ and labels.csv, like ../shared/data) or the clips folder
 * itself (labels.csv next to it or inside). Throws with a readable message when something is missing.
 */
export function locateData(arg: string): DataLocation {
  const dir = path.resolve(arg);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`clips folder not found: ${dir} (pass --clips PATH, e.g. --clips ../shared/data)`);
  }
  const clipsRoot = fs.existsSync(path.join(dir, 'clips')) ? path.join(dir, 'clips') : dir;
  const labelsCsv = [path.join(dir, 'labels.csv'), path.join(clipsRoot, 'labels.csv'), path.join(path.dirname(dir), 'labels.csv')]
    .find((p) => fs.existsSync(p));
  if (!labelsCsv) throw new Error(`no labels.csv found in ${dir} or next to it: human labels are needed to score accuracy`);
  return { dataDir: dir, clipsRoot, labelsCsv };
}

/**
 * Makes sure `dbPath` holds a teacher scan of every video under `clipsRoot`, using the app's engine (library
 * indexing, then a teacher scan job). Features are cached, so a second call finds nothing to do.
 */
export async function ensureFeatureDb(clipsRoot: string, dbPath: string, log: (s: string) => void = console.error): Promise<void> {
  const { Engine } = await import('../../main/engine/engine.ts');
  fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  const engine = new Engine({ dbPath });
  try {
    const added = await engine.call('library.addRoot', { path: path.resolve(clipsRoot), scan: false });
    if (added.jobId) {
      const j = await engine.jobs.wait(added.jobId);
      if (j.state !== 'done') throw new Error(`indexing ${clipsRoot} ${j.state}: ${j.error ?? j.message}`);
    }
    const { openDb } = await import('../../main/store/db.ts');
    const db = openDb(dbPath);
    const missing = (db.prepare(`SELECT v.id FROM videos v WHERE v.status = 'ok' AND NOT EXISTS
      (SELECT 1 FROM scans s WHERE s.video_id = v.id AND s.kind = 'teacher')`).all() as { id: number }[]).map((r) => r.id);
    db.close();
    if (!missing.length) { log(`feature cache ${dbPath}: every video already has a teacher scan`); return; }
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

// ---------------------------------------------------------------------------------------------- dataset

export interface Dataset {
  videos: VideoFeatures[];
  /** raw cached vectors per video ([embedding 1280 | centernet 80]) */
  features: Float32Array[][];
  labels: number[][];
  groups: string[];
  paths: string[];
  /** videos in the database without a human label row (left out) */
  unlabeled: string[];
}

/**
 * Cached teacher-scan features of every labelled video. `fallbackKind: 'student'` uses a video's student scan
 * when it has no teacher scan yet (only for the early default models; the benchmark never does this).
 */
export function loadDataset(db: Db, labelsCsv: string, opts: { fallbackStudent?: boolean } = {}): Dataset {
  const { labels } = readLabelsCsv(labelsCsv);
  let videos = loadScanFeatures(db, { kind: 'teacher' });
  if (opts.fallbackStudent) {
    const have = new Set(videos.map((v) => v.videoId));
    videos = [...videos, ...loadScanFeatures(db, { kind: 'student' }).filter((v) => !have.has(v.videoId))]
      .sort((a, b) => a.path.localeCompare(b.path));
  }
  const unlabeled = videos.filter((v) => !labels.has(v.path)).map((v) => v.path);
  videos = videos.filter((v) => labels.has(v.path) && v.frames.length > 0);
  return {
    videos, unlabeled,
    features: videos.map((v) => v.frames),
    labels: videos.map((v) => multiHot(labels.get(v.path)!.tags)),
    groups: videos.map((v) => groupOf(v.path)),
    paths: videos.map((v) => v.path),
  };
}

/** Measured seconds per frame (decode + CNNs) of the scans of one kind in the feature cache. */
export function secondsPerFrame(db: Db, kind: 'teacher' | 'student'): { decode: number; cnn: number; frames: number } | null {
  const r = db.prepare(`SELECT SUM(decode_seconds) d, SUM(cnn_seconds) c, SUM(frame_count) n FROM scans WHERE kind = ?`).get(kind) as
    { d: number | null; c: number | null; n: number | null };
  if (!r.n) return null;
  return { decode: (r.d ?? 0) / r.n, cnn: (r.c ?? 0) / r.n, frames: r.n };
}

// ---------------------------------------------------------------------------------------------- folds

/**
 * Grouped k-fold: every group (source) lands in exactly one fold; folds are balanced by video count (largest
 * groups first, each to the currently smallest fold; ties broken by a seeded shuffle). Returns test indices per
 * fold; every video is in exactly one test fold.
 */
export function groupedFolds(groups: string[], folds: number, seed = 1): number[][] {
  if (folds < 2) throw new Error('need at least 2 folds');
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => { if (!byGroup.has(g)) byGroup.set(g, []); byGroup.get(g)!.push(i); });
  if (byGroup.size < folds) throw new Error(`${byGroup.size} groups cannot fill ${folds} folds`);
  const keys = makeRng(seed).shuffle([...byGroup.keys()].sort());
  keys.sort((a, b) => byGroup.get(b)!.length - byGroup.get(a)!.length); // stable: shuffled order among equals
  const out: number[][] = Array.from({ length: folds }, () => []);
  for (const g of keys) {
    let f = 0;
    for (let j = 1; j < folds; j++) if (out[j].length < out[f].length) f = j;
    out[f].push(...byGroup.get(g)!);
  }
  return out.map((f) => f.sort((a, b) => a - b));
}

export function complement(n: number, test: number[]): number[] {
  const t = new Set(test);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !t.has(i));
}

// ---------------------------------------------------------------------------------------------- baselines

/** Naive max-pooling of the centernet class scores (the tail of each raw vector) over the given frames. */
export function maxPoolScores(frames: ArrayLike<number>[], embedDim = 1280, classes = 80): number[] {
  const out = new Array<number>(classes).fill(0);
  for (const f of frames) for (let c = 0; c < classes; c++) out[c] = Math.max(out[c], f[embedDim + c]);
  return out;
}

/**
 * Per-class blend of a learned model with the detector's own max-pooled evidence:
 *   p_c = w_c · model_c + (1 − w_c) · detector_c,   w_c = n_c / (n_c + n0)
 * where n_c = training videos labelled c. A class the model has seen often follows the model; a class it has
 * barely (or never) seen falls back to what the detector says. `n0 = 0` gives the pure model.
 */
export function supportWeights(labels: number[][], n0: number): number[] {
  const C = labels[0]?.length ?? 0;
  const n = new Array<number>(C).fill(0);
  for (const y of labels) y.forEach((v, c) => { if (v > 0.5) n[c]++; });
  return n.map((k) => (n0 <= 0 ? 1 : k / (k + n0)));
}

export function blend(model: ArrayLike<number>, detector: ArrayLike<number>, weights: ArrayLike<number>): number[] {
  return Array.from({ length: model.length }, (_, c) => weights[c] * model[c] + (1 - weights[c]) * detector[c]);
}

// ---------------------------------------------------------------------------------------------- table

export interface Cell {
  gap: number; map: number; hit1: number;
  /** mean FLOPs per video (CNNs on the frames used + video model) */
  flops: number;
  /** mean seconds per video: measured decode+CNN s/frame × frames + measured video-model time */
  seconds: number;
  /** mean frames per video */
  frames: number;
}

export interface TableRow { name: string; section: string; cells: Record<string, Cell | undefined> }

/** Mean of several cells (folds, seeds); null when none. */
export function meanCell(cells: (Cell | undefined)[]): Cell | undefined {
  const c = cells.filter((x): x is Cell => !!x);
  if (!c.length) return undefined;
  const m = (f: (x: Cell) => number) => c.reduce((a, x) => a + f(x), 0) / c.length;
  return { gap: m((x) => x.gap), map: m((x) => x.map), hit1: m((x) => x.hit1), flops: m((x) => x.flops), seconds: m((x) => x.seconds), frames: m((x) => x.frames) };
}

const f3 = (x: number) => x.toFixed(3);
export function fmtFlops(f: number): string {
  return f >= 1e12 ? `${(f / 1e12).toFixed(2)}T` : f >= 1e9 ? `${(f / 1e9).toFixed(1)}G` : `${(f / 1e6).toFixed(1)}M`;
}

/**
 * Markdown: one row per method, per column "GAP / mAP / hit@1". A second table gives cost per column. Rows
 * without a cell in a column show "–".
 */
export function tableMarkdown(rows: TableRow[], columns: { key: string; title: string }[]): string {
  const head = `| Method | ${columns.map((c) => `${c.title} GAP / mAP / hit@1`).join(' | ')} |`;
  const sep = `|---|${columns.map(() => '---').join('|')}|`;
  const lines = [head, sep];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) { section = r.section; lines.push(`| *${section}* |${columns.map(() => ' ').join('|')}|`); }
    lines.push(`| ${r.name} | ${columns.map((c) => { const x = r.cells[c.key]; return x ? `${f3(x.gap)} / ${f3(x.map)} / ${f3(x.hit1)}` : '–'; }).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Cost table: FLOPs per video and seconds per video, per method and column. */
export function costMarkdown(rows: TableRow[], columns: { key: string; title: string }[]): string {
  const lines = [`| Method | ${columns.map((c) => `${c.title} FLOPs / s per video`).join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${columns.map((c) => { const x = r.cells[c.key]; return x ? `${fmtFlops(x.flops)} / ${x.seconds.toFixed(2)}` : '–'; }).join(' | ')} |`);
  }
  return lines.join('\n');
}
