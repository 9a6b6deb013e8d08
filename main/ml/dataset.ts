/**
 * Training and evaluation data from what scans already cached: per-frame features of each video's teacher scan
 * (the full-frame sequence; a student's k frames are a subset of it, as in the paper) and multi-hot labels.
 * Nothing here decodes video.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COCO80 } from '../../shared/coco.ts';
import type { Db } from '../store/db.ts';
import { ScansRepo } from '../store/scans-repo.ts';
import { FRAME_PIPELINE } from './frame-cnn.ts';
import { joinFrameVector } from './frame-vector.ts';

export interface VideoFeatures {
  videoId: number;
  path: string;
  /** one [embedding | class scores] vector per frame (frame-vector.ts), in time order */
  frames: Float32Array[];
  times: number[];
  /** probed duration (seconds), null when unknown */
  durationS: number | null;
}

/**
 * Cached frame features of every video's latest scan of `kind` (default: the teacher's full-frame scan), made by
 * the current frame pipeline only (`pipeline`, default FRAME_PIPELINE): features of an older preprocessing are
 * stale and must be rescanned, never mixed in.
 */
export function loadScanFeatures(
  db: Db,
  opts: { kind?: 'teacher' | 'student'; videoIds?: number[]; pipeline?: string } = {},
): VideoFeatures[] {
  return new ScansRepo(db).scanFeatures(opts.kind ?? 'teacher', opts.pipeline ?? FRAME_PIPELINE, opts.videoIds).map((s) => ({
    videoId: s.videoId,
    path: s.path,
    durationS: s.durationS,
    times: s.frames.map((f) => f.time_s),
    frames: s.frames.map((f) => joinFrameVector(f.embedding, f.class_scores)),
  }));
}

export function multiHot(tags: Iterable<string>, classes: readonly string[] = COCO80): number[] {
  const y = new Array<number>(classes.length).fill(0);
  for (const t of tags) {
    const i = classes.indexOf(t);
    if (i >= 0) y[i] = 1;
  }
  return y;
}

export interface CsvLabel {
  file: string;
  tags: string[];
  source: string;
  status: string;
  license: string;
}

/** The largest labels CSV read (a few hundred thousand rows). */
export const LABELS_CSV_MAX_BYTES = 50 * 1024 * 1024;

/**
 * Reads a labels CSV (`file,tags,...`; tags `;`-separated COCO names; the team's ../shared/data/labels.csv is one).
 * `file` is resolved against the CSV's folder. Unknown tag names are reported, not silently dropped.
 * `text` is the file's content when the caller already read it (the engine reads it asynchronously, see
 * ModelService.importLabels); otherwise it is read here, and only if it is a regular file of at most
 * LABELS_CSV_MAX_BYTES (a FIFO or a device would block or never end).
 */
export function readLabelsCsv(csvPath: string, text?: string): { labels: Map<string, CsvLabel>; unknownTags: string[] } {
  if (text === undefined) {
    const st = fs.statSync(csvPath);
    if (!st.isFile()) throw new Error(`not a regular file: ${csvPath}`);
    if (st.size > LABELS_CSV_MAX_BYTES) throw new Error(`labels file is larger than ${LABELS_CSV_MAX_BYTES >> 20} MB: ${csvPath}`);
  }
  const rows = parseCsv(text ?? fs.readFileSync(csvPath, 'utf8'));
  const header = rows.shift() ?? [];
  const col = (name: string) => header.indexOf(name);
  if (col('file') < 0 || col('tags') < 0) throw new Error(`${csvPath}: needs columns "file" and "tags"`);
  const labels = new Map<string, CsvLabel>();
  const unknown = new Set<string>();
  for (const r of rows) {
    if (!r[col('file')]) continue;
    const tags = (r[col('tags')] ?? '')
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean);
    for (const t of tags) if (!(COCO80 as readonly string[]).includes(t)) unknown.add(t);
    const abs = path.resolve(path.dirname(csvPath), r[col('file')]);
    labels.set(abs, {
      file: abs,
      tags,
      source: col('source') >= 0 ? r[col('source')] : '',
      status: col('status') >= 0 ? r[col('status')] : '',
      license: col('license') >= 0 ? r[col('license')] : '',
    });
  }
  return { labels, unknownTags: [...unknown] };
}

/**
 * The split group of a file whose source is unknown (a user's library): its folder and name stem without trailing
 * numbering, copy markers or resolution suffixes, so "trip 1.mp4", "trip (2).mov" and "trip-720p.webm" in one folder
 * fall on one side of a train/test split. Knows nothing of any particular data set.
 */
export function groupOf(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.[^.]+$/, '')
    .toLowerCase();
  const stem = base.replace(/([\s_-]*(\(\d+\)|copy|\d+p|\d+))+$/, '').replace(/[^\p{L}\p{N}]/gu, '');
  return `${path.dirname(file)}/${stem || base}`;
}

/**
 * The split group of a labelled clip: its source repository (labels.csv `source` is "owner/repo:path"), so no
 * source straddles a split (the team's labels.csv names it for every clip, so e.g. a clip and its GIF copy, or a
 * series of near-duplicates, share one). Without a source, the file-name grouping of groupOf.
 */
export function sourceGroup(label: Pick<CsvLabel, 'source' | 'file'>): string {
  const repo = label.source.split(':')[0].trim();
  return repo ? repo.toLowerCase() : groupOf(label.file);
}

/** Minimal RFC-4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [],
    field = '',
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c !== ''));
}

export interface DataLocation {
  dataDir: string;
  clipsRoot: string;
  labelsCsv: string;
}

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
  const labelsCsv = [path.join(dir, 'labels.csv'), path.join(clipsRoot, 'labels.csv'), path.join(path.dirname(dir), 'labels.csv')].find(
    (p) => fs.existsSync(p),
  );
  if (!labelsCsv) throw new Error(`no labels.csv found in ${dir} or next to it: human labels are needed to score accuracy`);
  return { dataDir: dir, clipsRoot, labelsCsv };
}
