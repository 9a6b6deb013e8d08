/**
 * "Teach the student on my library": refit the teacher and distil the student from the features the library's
 * teacher scans already cached. Labels are the user's own tags where they gave them (in-app edits, a CSV import),
 * otherwise the teacher scan's detections aggregated over all frames (self-distillation needs no labels).
 * Runs anywhere (CLI, tests); the engine runs it in a worker thread so training never blocks the UI.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricSet, ModelFamily, TrainReport } from '../../shared/api.ts';
import { COCO80 } from '../../shared/coco.ts';
import { BrowseRepo } from '../store/browse-repo.ts';
import { openDb } from '../store/db.ts';
import { initBackend } from './backend.ts';
import { loadScanFeatures, type VideoFeatures } from './dataset.ts';
import { evaluate } from './metrics.ts';
import { pseudoLabels, scoresOf } from './pseudo-labels.ts';
import { makeRng } from './rng.ts';
import { defaultModelsDir, loadTagger, readAnyManifest, type Tagger } from './tagger.ts';
import { trainEvidenceOnLibrary } from './evidence/library.ts';
import { selectFrames } from './train/frames.ts';
import { splitIndices, trainStudent, trainTeacher, type EpochReport } from './train/train.ts';
import { saveModel } from './video/persist.ts';
import { MIN_TRAINING_VIDEOS } from './training-limits.ts';

export interface LibraryTrainOptions {
  dbPath: string;
  /** where the refitted models go: <outDir>/teacher, <outDir>/student */
  outDir: string;
  family: ModelFamily;
  k: number;
  epochs?: number;
  seed?: number;
  /** the student in use before training, for the "before" numbers */
  currentStudentDir?: string | null;
  /** the shipped models (evidence training starts from them); default resources/models */
  shippedDir?: string;
  onProgress?: (done: number, total: number, message: string) => void;
}

/** Human tag rows are stored with score 1 (yes) or 0 (no, a prediction the user rejected). */
function humanLabels(dbPath: string): Map<number, { yes: Set<string>; no: Set<string> }> {
  const db = openDb(dbPath);
  try {
    const rows = new BrowseRepo(db).humanTagRows();
    const out = new Map<number, { yes: Set<string>; no: Set<string> }>();
    for (const r of rows) {
      if (!out.has(r.video_id)) out.set(r.video_id, { yes: new Set(), no: new Set() });
      (r.score >= 0.5 ? out.get(r.video_id)!.yes : out.get(r.video_id)!.no).add(r.tag);
    }
    return out;
  } finally {
    db.close();
  }
}

export interface LibraryDataset {
  videos: VideoFeatures[];
  labels: number[][];
  groups: string[];
  human: number;
  teacher: number;
}

/**
 * One labelled example per video with a teacher scan. A video the user tagged uses exactly the human "yes" tags
 * (a person who labelled a video said what is in it); otherwise the teacher's per-frame detections with the
 * human "no" tags removed.
 */
export function libraryDataset(dbPath: string): LibraryDataset {
  const db = openDb(dbPath);
  let videos: VideoFeatures[];
  try {
    videos = loadScanFeatures(db, { kind: 'teacher' }).filter((v) => v.frames.length > 0);
  } finally {
    db.close();
  }
  const human = humanLabels(dbPath);
  let h = 0,
    t = 0;
  const labels = videos.map((v) => {
    const hl = human.get(v.videoId);
    if (hl && hl.yes.size) {
      h++;
      return COCO80.map((c) => (hl.yes.has(c) ? 1 : 0));
    }
    t++;
    const y = pseudoLabels(scoresOf(v.frames), { tau: 0.5, minFrames: 2 });
    if (hl)
      COCO80.forEach((c, i) => {
        if (hl.no.has(c)) y[i] = 0;
      });
    return y;
  });
  // Clips in one folder are often takes of one scene: keep them on one side of the split.
  const groups = videos.map((v) => path.dirname(v.path));
  return { videos, labels, groups, human: h, teacher: t };
}

const metricSet = (preds: ArrayLike<number>[], labels: number[][]): MetricSet => {
  const m = evaluate(preds, labels);
  return { gap: m.gap, map: m.map, hit1: m.hit1, precision: m.pr.precision, recall: m.pr.recall };
};

function studentPreds(t: Tagger, videos: VideoFeatures[], idx: number[], k: number): Float32Array[] {
  return idx.map((i) => {
    const f = videos[i].frames;
    return t.predict(selectFrames(f.length, Math.min(k, f.length), 'uniform').map((j) => f[j]));
  });
}

/** Model weight per class from how many training videos carry it (see tagger.ts); n0 = 64 as the shipped models. */
function blendWeights(labels: number[][], n0 = 64): number[] {
  const n = new Array<number>(COCO80.length).fill(0);
  for (const y of labels)
    y.forEach((v, c) => {
      if (v > 0.5) n[c]++;
    });
  return n.map((x) => x / (x + n0));
}

export async function trainOnLibrary(o: LibraryTrainOptions): Promise<Omit<TrainReport, 'jobId'>> {
  if (o.family === 'evidence') {
    const shipped = o.shippedDir ?? defaultModelsDir();
    let studentDir = path.join(shipped, 'student');
    if (o.currentStudentDir) {
      try {
        if ((await readAnyManifest(o.currentStudentDir)).family === 'evidence') studentDir = o.currentStudentDir;
      } catch {
        /* keep the shipped one */
      }
    }
    return trainEvidenceOnLibrary({
      dbPath: o.dbPath,
      outDir: o.outDir,
      k: o.k,
      seed: o.seed,
      teacherDir: path.join(shipped, 'teacher'),
      studentDir,
      onProgress: o.onProgress,
    });
  }
  const family = o.family;
  await initBackend();
  const progress = o.onProgress ?? (() => {});
  const data = libraryDataset(o.dbPath);
  const n = data.videos.length;
  if (n < MIN_TRAINING_VIDEOS) {
    throw new Error(
      `training needs the full-frame features of at least ${MIN_TRAINING_VIDEOS} videos; this library has ${n}. ` +
        'Run the teacher scan first (glimpse scan --teacher, or "Run teacher scan" in the app).',
    );
  }
  const seed = o.seed ?? 1;
  const epochs = o.epochs ?? 60;
  // Folder groups keep takes of one scene together, but when one folder holds most of the library they would put
  // most of it in the held-out set: then split per video instead.
  let split = splitIndices(n, makeRng(seed), 0.25, new Set(data.groups).size > 1 ? data.groups : undefined);
  if (split.train.length < n / 2) split = splitIndices(n, makeRng(seed), 0.25);
  const val = split.val.length ? split.val : split.train.slice(-1);
  const yVal = val.map((i) => data.labels[i]);

  let before: MetricSet | null = null;
  if (o.currentStudentDir) {
    try {
      before = metricSet(studentPreds(await loadTagger(o.currentStudentDir), data.videos, val, o.k), yVal);
    } catch {
      before = null;
    }
  }
  // Montage enlarges a small library with mixes of its own clips (training split only).
  const montageCount = n < 200 ? Math.min(200, 2 * split.train.length) : 0;
  // Fixed epochs on the training split, no early stopping: on a few dozen videos a held-out split of a handful of
  // sources stops every model at the class priors (measured on the team's clips; see resources/models/README.md).
  const train = { features: split.train.map((i) => data.videos[i].frames), labels: split.train.map((i) => data.labels[i]) };
  const total = epochs * 2;
  const report = (phase: string, offset: number) => (r: EpochReport) =>
    progress(
      offset + r.epoch,
      total,
      `${phase} epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}${r.valLoss !== null ? `, held-out ${r.valLoss.toFixed(4)}` : ''}`,
    );
  const common = { seed, epochs, valFraction: 0, montage: montageCount ? { count: montageCount } : undefined, maxFrames: 60 };
  const teacher = await trainTeacher(train, { ...common, family, onEpoch: report('teacher', 0) });
  const student = await trainStudent(teacher, train, {
    ...common,
    k: o.k,
    strategy: 'uniform',
    mode: 'serial',
    lossTerms: ['ce', 'rep', 'pred'],
    alpha: 1,
    beta: 1,
    onEpoch: report('student', epochs),
  });
  const w = blendWeights(split.train.map((i) => data.labels[i]));
  const info = {
    library: true,
    videos: n,
    humanLabelled: data.human,
    teacherLabelled: data.teacher,
    montage: montageCount,
    blendWeights: w,
  };
  teacher.meta.training = { ...teacher.meta.training, ...info };
  student.meta.training = { ...student.meta.training, ...info };

  // Write into a fresh folder and swap, so a crash mid-save never leaves a half model in use.
  const tmp = `${o.outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await saveModel(teacher, path.join(tmp, 'teacher'));
  await saveModel(student, path.join(tmp, 'student'));
  const tTag = await loadTagger(path.join(tmp, 'teacher'));
  const sTag = await loadTagger(path.join(tmp, 'student'));
  const after = metricSet(studentPreds(sTag, data.videos, val, o.k), yVal);
  const teacherM = metricSet(
    val.map((i) =>
      tTag.predict(
        data.videos[i].frames.length > 60
          ? selectFrames(data.videos[i].frames.length, 60, 'uniform').map((j) => data.videos[i].frames[j])
          : data.videos[i].frames,
      ),
    ),
    yVal,
  );
  tTag.dispose();
  sTag.dispose();
  teacher.dispose();
  student.dispose();
  const old = `${o.outDir}.old-${process.pid}`;
  if (fs.existsSync(o.outDir)) fs.renameSync(o.outDir, old);
  fs.renameSync(tmp, o.outDir);
  fs.rmSync(old, { recursive: true, force: true });
  progress(
    total,
    total,
    `trained on ${n} videos: student GAP ${before ? `${before.gap.toFixed(3)} → ` : ''}${after.gap.toFixed(3)} (held-out ${val.length})`,
  );
  return {
    finishedAt: new Date().toISOString(),
    videos: n,
    labelSources: { human: data.human, teacher: data.teacher },
    family: o.family,
    k: o.k,
    before,
    after,
    teacher: teacherM,
  };
}
