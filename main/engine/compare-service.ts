/**
 * Compare: the student against the truth, and the teacher too when there is one. Truth is a person's tags where any
 * exist (only those videos are scored); otherwise the student is scored as agreement with the teacher and the teacher
 * gets no accuracy figures (scoring it against its own output gave 100% by construction). Plus accuracy against time.
 */
import type { CompareSummary, MetricSet, StageCost, TagScore } from '../../shared/api.ts';
import { COCO80 } from '../../shared/coco.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import { uniformIndices } from '../media/sampling.ts';
import { CENTERNET_512_FLOPS, MOBILENET_V2_224_FLOPS } from '../ml/flops.ts';
import { evaluate } from '../ml/metrics.ts';
import { maxPool } from '../ml/pooling.ts';
import type { Tagger } from '../ml/tagger.ts';
import type { BrowseRepo, ComparePair } from '../store/browse-repo.ts';

export class CompareService {
  constructor(private repo: BrowseRepo) {}

  summary(tagger: Tagger | null): CompareSummary {
    const pairs = this.repo.comparePairs();
    const vocab = new Map<string, number>(COCO80.map((t, i) => [t, i]));
    const perVideo = pairs.map((p) => {
      const rows = this.repo.tagRows(p.video_id);
      for (const r of rows) if (!vocab.has(r.tag)) vocab.set(r.tag, vocab.size);
      return { p, rows };
    });
    const n = vocab.size;
    // Truth: where people labelled videos, their labels only — a video a person tagged is labelled by exactly their
    // "yes" tags, as in training (scoring the teacher against its own tags gave it 100% by construction); with no
    // human label anywhere, the student is measured as agreement with the
    // teacher and the teacher gets no accuracy figures at all.
    const preds: number[][] = [],
      teach: number[][] = [],
      labels: number[][] = [],
      human: boolean[] = [];
    const videos = perVideo.map(({ p, rows }) => {
      const s = new Array<number>(n).fill(0),
        t = new Array<number>(n).fill(0),
        y = new Array<number>(n).fill(0);
      const edited = rows.some((r) => r.source === 'human');
      for (const r of rows) {
        const c = vocab.get(r.tag)!;
        if (r.source === 'student') s[c] = r.score;
        else if (r.source === 'teacher') {
          t[c] = r.score;
          if (!edited && r.score >= TAG_THRESHOLD) y[c] = 1;
        } else y[c] = r.score >= TAG_THRESHOLD ? 1 : 0;
      }
      preds.push(s);
      teach.push(t);
      labels.push(y);
      human.push(edited);
      const sSet = new Set(rows.filter((r) => r.source === 'student' && r.score >= TAG_THRESHOLD).map((r) => r.tag));
      const tSet = new Set(rows.filter((r) => r.source === 'teacher' && r.score >= TAG_THRESHOLD).map((r) => r.tag));
      const union = new Set([...sSet, ...tSet]);
      const inter = [...sSet].filter((x) => tSet.has(x)).length;
      const pick = (src: 'student' | 'teacher'): TagScore[] =>
        rows
          .filter((r) => r.source === src && r.score >= TAG_THRESHOLD)
          .sort((a, b) => b.score - a.score)
          .map((r) => ({ tag: r.tag, score: Math.round(r.score * 1e3) / 1e3, source: src }));
      return {
        id: p.video_id,
        name: p.name,
        student: pick('student'),
        teacher: pick('teacher'),
        agreement: union.size ? inter / union.size : 1,
        studentSeconds: p.s_seconds,
        teacherSeconds: p.t_seconds,
        studentFrames: p.s_frames,
        teacherFrames: p.t_frames,
        durationS: p.duration_s,
        human: rows
          .filter((r) => r.source === 'human')
          .sort((a, b) => b.score - a.score || a.tag.localeCompare(b.tag))
          .map((r) => ({ tag: r.tag, score: r.score, source: 'human' as const })),
        studentStages: stages(p, 's'),
        teacherStages: stages(p, 't'),
      };
    });
    const humanEdited = human.filter(Boolean).length;
    const scored = human.map((h) => h || !humanEdited); // with human labels, only the videos that have them
    const truth = labels.filter((_, i) => scored[i]);
    const metrics = (pr: number[][]): MetricSet | null => {
      const rows = pr.filter((_, i) => scored[i]);
      if (!rows.length) return null;
      const m = evaluate(rows, truth, TAG_THRESHOLD);
      return { gap: m.gap, map: m.map, hit1: m.hit1, precision: m.pr.precision, recall: m.pr.recall };
    };
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const studentSecondsPerVideo = mean(pairs.map((p) => p.s_seconds));
    const teacherSecondsPerVideo = mean(pairs.map((p) => p.t_seconds));
    const student = metrics(preds),
      teacher = humanEdited ? metrics(teach) : null;

    // Accuracy vs time. Measured: the stored student and teacher scans. Simulated: the student model in use fed k
    // uniformly spaced frames of the teacher's cached per-frame features (no decoding), costed at the teacher's
    // s/frame; without a model, max-pooling of those frames' detector scores stands in.
    const curve: CompareSummary['curve'] = [];
    if (pairs.length) {
      const perFrame =
        pairs.reduce((a, p) => a + p.t_seconds, 0) /
        Math.max(
          1,
          pairs.reduce((a, p) => a + p.t_frames, 0),
        );
      const teacherFrames = pairs.map((p) => (tagger ? this.repo.frameVectors(p.t_id) : this.repo.frameScores(p.t_id)));
      const pick = <T>(frames: T[], k: number): T[] => uniformIndices(frames.length, k).map((i) => frames[i]);
      for (const k of [1, 2, 3, 5, 10, 20, 30]) {
        if (k > Math.max(...teacherFrames.map((f) => f.length))) break;
        const sim = teacherFrames
          .filter((_, i) => scored[i])
          .map((frames) => {
            const chosen = pick(frames, k);
            return Array.from(maxPool(tagger ? [tagger.predict(chosen)] : chosen, n));
          });
        const m = evaluate(sim, truth, TAG_THRESHOLD);
        curve.push({
          label: `k=${k} (simulated${tagger ? '' : ', max-pool'})`,
          k,
          secondsPerVideo: perFrame * k,
          hit1: m.hit1,
          map: m.map,
          simulated: true,
        });
      }
      const kOf = (model: string) => Number(/uniform-(\d+)/.exec(model)?.[1] ?? NaN);
      if (student)
        curve.push({
          label: 'student (measured)',
          k: kOf(pairs[0].s_model) || null,
          secondsPerVideo: studentSecondsPerVideo,
          hit1: student.hit1,
          map: student.map,
          simulated: false,
        });
      if (teacher)
        curve.push({
          label: 'teacher (measured)',
          k: null,
          secondsPerVideo: teacherSecondsPerVideo,
          hit1: teacher.hit1,
          map: teacher.map,
          simulated: false,
        });
    }
    return {
      labelSource: humanEdited
        ? `your tags on ${humanEdited} video${humanEdited === 1 ? '' : 's'} (only those are scored)`
        : "agreement with the teacher's tags (no video has your tags yet, so the teacher itself is not scored)",
      videos,
      library: {
        pairs: pairs.length,
        student,
        teacher,
        studentSecondsPerVideo,
        teacherSecondsPerVideo,
        studentFramesPerVideo: mean(pairs.map((p) => p.s_frames)),
        teacherFramesPerVideo: mean(pairs.map((p) => p.t_frames)),
        studentStages: meanStages(videos.map((v) => v.studentStages)),
        teacherStages: meanStages(videos.map((v) => v.teacherStages)),
      },
      curve,
    };
  }
}

/** Frame CNN FLOPs per frame: the MobileNetV2 embedding and the centernet detector both run on every frame. */
const CNN_FLOPS_PER_FRAME = MOBILENET_V2_224_FLOPS + CENTERNET_512_FLOPS;

function stages(p: ComparePair, k: 's' | 't'): StageCost {
  const frames = k === 's' ? p.s_frames : p.t_frames;
  return k === 's'
    ? {
        decodeSeconds: p.s_decode,
        cnnSeconds: p.s_cnn,
        modelSeconds: p.s_vm ?? 0,
        cnnFlops: frames * CNN_FLOPS_PER_FRAME,
        modelFlops: p.s_vm_flops ?? 0,
      }
    : {
        decodeSeconds: p.t_decode,
        cnnSeconds: p.t_cnn,
        modelSeconds: p.t_vm ?? 0,
        cnnFlops: frames * CNN_FLOPS_PER_FRAME,
        modelFlops: p.t_vm_flops ?? 0,
      };
}

function meanStages(xs: StageCost[]): StageCost {
  const m = (f: (s: StageCost) => number) => (xs.length ? xs.reduce((a, s) => a + f(s), 0) / xs.length : 0);
  return {
    decodeSeconds: m((s) => s.decodeSeconds),
    cnnSeconds: m((s) => s.cnnSeconds),
    modelSeconds: m((s) => s.modelSeconds),
    cnnFlops: m((s) => s.cnnFlops),
    modelFlops: m((s) => s.modelFlops),
  };
}
