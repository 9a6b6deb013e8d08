/**
 * `glimpse train` for the evidence family: the same procedure as the shipped models (main/ml/evidence/protocol.ts),
 * on the user's library. Every video with a teacher scan teaches the student (L_rep + L_pred from the teacher);
 * videos the user tagged also give L_CE, and when enough are tagged the teacher itself is refitted on them.
 * The threshold is re-chosen only when enough human labels exist to choose it out of fold.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricSet, TrainReport } from '../../../shared/api.ts';
import { COCO80 } from '../../../shared/coco.ts';
import { BrowseRepo, HUMAN_YES } from '../../store/browse-repo.ts';
import { openDb } from '../../store/db.ts';
import { readAnyManifest } from '../tagger.ts';
import { clipsFromDb } from './clips.ts';
import { fit, probabilities, STUDENT_FIT, TEACHER_FIT, type FitExample } from './model.ts';
import { checkEvidenceManifest, type EvidenceManifest, makeManifest, saveEvidenceModel } from './persist.ts';
import { poolEvidence } from './pool.ts';
import { chooseThreshold, type Clip, framesOf, outOfFold, score, toTagScores, uniformPick } from './protocol.ts';

/** Below these, the shipped teacher and threshold are kept (too few labels to fit them out of fold). */
export const MIN_LABELLED_FOR_TEACHER = 12;
export const MIN_LABELLED_FOR_THRESHOLD = 20;

export interface EvidenceTrainOptions {
  dbPath: string;
  outDir: string;
  k: number;
  seed?: number;
  /** shipped (or current) models to start from */
  teacherDir: string;
  studentDir: string;
  onProgress?: (done: number, total: number, message: string) => void;
}

function humanClipLabels(dbPath: string): Map<string, { tags: string[]; source: string; file: string }> {
  const db = openDb(dbPath);
  try {
    const out = new Map<string, { tags: string[]; source: string; file: string }>();
    for (const r of new BrowseRepo(db).humanTagRows().filter((x) => x.score >= HUMAN_YES)) {
      if (!out.has(r.path)) out.set(r.path, { tags: [], source: '', file: r.path });
      out.get(r.path)!.tags.push(r.tag);
    }
    return out;
  } finally {
    db.close();
  }
}

export async function trainEvidenceOnLibrary(o: EvidenceTrainOptions): Promise<Omit<TrainReport, 'jobId'>> {
  const progress = o.onProgress ?? (() => {});
  const C = COCO80.length;
  const db = openDb(o.dbPath);
  let clips: Clip[];
  // Folders are often takes of one scene: they stay on one side of any split.
  try {
    clips = clipsFromDb(db, humanClipLabels(o.dbPath), (p) => path.dirname(p));
  } finally {
    db.close();
  }
  if (clips.length < 4) {
    throw new Error(
      `training needs the full-frame features of at least 4 videos; this library has ${clips.length}. ` +
        'Run the teacher scan first (glimpse scan --teacher, or "Run teacher scan" in the app).',
    );
  }
  const shipped = await readAnyManifest(o.teacherDir);
  const current = await readAnyManifest(o.studentDir);
  if (shipped.format !== 'glimpse-evidence-model' || current.format !== 'glimpse-evidence-model') {
    throw new Error('the evidence family needs evidence teacher/student models to start from (resources/models)');
  }
  const labelled = clips.filter((c) => c.labels);
  progress(0, 3, `${clips.length} videos with full-frame features, ${labelled.length} with your tags`);

  let teacherParams = shipped.params,
    teacherThr = shipped.threshold;
  if (labelled.length >= MIN_LABELLED_FOR_TEACHER) {
    teacherParams = fit(
      labelled.map((c) => ({ ev: poolEvidence(c.scores, C), y: c.labels })),
      C,
      { ...TEACHER_FIT, init: shipped.params },
    );
  }
  progress(1, 3, 'teacher ready; distilling the student');
  const evAll = clips.map((c) => poolEvidence(c.scores, C));
  const ex: FitExample[] = clips.map((c, i) => ({
    ev: poolEvidence(framesOf(c, uniformPick(c, o.k)), C),
    y: c.labels,
    teacherEv: evAll[i],
    teacherP: probabilities(teacherParams, evAll[i]),
  }));
  const studentParams = fit(ex, C, { ...STUDENT_FIT, init: teacherParams });
  let studentThr = current.threshold;
  if (labelled.length >= MIN_LABELLED_FOR_THRESHOLD && new Set(labelled.map((c) => c.group)).size >= 4) {
    const oof = outOfFold(
      labelled,
      labelled.map((_, i) => i),
      { k: o.k, classes: C },
      4,
      o.seed ?? 1,
    );
    studentThr = chooseThreshold(
      oof.student,
      labelled.map((c) => c.labels!),
    );
    teacherThr = chooseThreshold(
      oof.teacher,
      labelled.map((c) => c.labels!),
    );
  }
  progress(2, 3, 'student distilled; measuring');

  // Before/after: against your tags where you gave them, else agreement with the teacher's tags (said in `basis`).
  const basis = labelled.length ? labelled : clips;
  const truth = basis.map(
    (c) =>
      c.labels ?? Array.from(toTagScores(probabilities(teacherParams, poolEvidence(c.scores, C)), teacherThr), (s) => (s >= 0.5 ? 1 : 0)),
  );
  const measure = (params: EvidenceManifest['params'], thr: number): MetricSet => {
    const tags = basis.map((c) => toTagScores(probabilities(params, poolEvidence(framesOf(c, uniformPick(c, o.k)), C)), thr));
    const s = score(tags, truth, tags);
    return { gap: s.gap, map: s.map, hit1: s.hit1, precision: s.pr.precision, recall: s.pr.recall };
  };
  const before = measure(current.params, current.threshold),
    after = measure(studentParams, studentThr);
  const teacherTags = basis.map((c) => toTagScores(probabilities(teacherParams, poolEvidence(c.scores, C)), teacherThr));
  const ts = score(teacherTags, truth, teacherTags);
  const training = {
    library: true,
    videos: clips.length,
    humanLabelled: labelled.length,
    teacherRefitted: labelled.length >= MIN_LABELLED_FOR_TEACHER,
    thresholdRechosen: studentThr !== current.threshold,
    basis: labelled.length ? 'your tags' : "the teacher's tags",
  };

  // Write into a fresh folder and swap, so a crash mid-save never leaves a half model in use.
  const tmp = `${o.outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await saveEvidenceModel(
    makeManifest({ role: 'teacher', k: null, labels: [...COCO80], threshold: teacherThr, params: teacherParams, metrics: null, training }),
    path.join(tmp, 'teacher'),
  );
  await saveEvidenceModel(
    makeManifest({
      role: 'student',
      k: o.k,
      labels: [...COCO80],
      threshold: studentThr,
      params: studentParams,
      metrics: { before, after },
      training,
    }),
    path.join(tmp, 'student'),
  );
  for (const r of ['teacher', 'student']) {
    const f = path.join(tmp, r, 'manifest.json');
    checkEvidenceManifest(JSON.parse(fs.readFileSync(f, 'utf8')) as EvidenceManifest, f);
  }
  const old = `${o.outDir}.old-${process.pid}`;
  if (fs.existsSync(o.outDir)) fs.renameSync(o.outDir, old);
  fs.renameSync(tmp, o.outDir);
  fs.rmSync(old, { recursive: true, force: true });
  progress(
    3,
    3,
    `trained on ${clips.length} videos (${labelled.length} with your tags): student GAP ${before.gap.toFixed(3)} → ${after.gap.toFixed(3)} against ${training.basis}`,
  );
  return {
    finishedAt: new Date().toISOString(),
    videos: clips.length,
    labelSources: { human: labelled.length, teacher: clips.length - labelled.length },
    family: 'evidence',
    k: o.k,
    before,
    after,
    teacher: { gap: ts.gap, map: ts.map, hit1: ts.hit1, precision: ts.pr.precision, recall: ts.pr.recall },
  };
}
