/**
 * Handlers of the renderer's channels (search, human edits with undo, export, settings, cache, compare) and the
 * media/frame file resolution the HTTP server and the Electron protocol share. Engine wires these into its map.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CompareSummary, MetricSet, StageCost, ParsedRequestOf, Results, Settings, TagScore, VideoSummary } from '../../shared/api.ts';
import { COCO80 } from '../../shared/coco.ts';
import { formatQuery, LOW_CONFIDENCE, parseQuery, resolveQuery } from '../../shared/query.ts';
import { TAG_THRESHOLD } from '../../shared/tags.ts';
import { uniformIndices } from '../media/sampling.ts';
import { writeThumbnail } from '../media/ffmpeg.ts';
import { evaluate } from '../ml/metrics.ts';
import { BrowseRepo, HUMAN_NO, HUMAN_YES, type ComparePair } from '../store/browse-repo.ts';
import { CENTERNET_512_FLOPS, MOBILENET_V2_224_FLOPS } from '../ml/flops.ts';
import type { Db } from '../store/db.ts';
import type { VideoRow } from '../store/library-repo.ts';
import { EngineError } from './errors.ts';
import type { Tagger } from '../ml/tagger.ts';

export type UiChannel = 'library.search' | 'tags.edit' | 'tags.rename' | 'tags.undo' | 'tags.export' | 'settings.get' | 'settings.set'
  | 'cache.info' | 'cache.clear' | 'compare.summary';
export type UiHandlers = { [C in UiChannel]: (req: ParsedRequestOf<C>) => Promise<Results[C]> | Results[C] };

export interface UiDeps {
  db: Db;
  cacheDir: string;
  /** The live scan settings object (mutated by settings.set, read by the scanner). */
  scanSettings: { k: number; teacherFps: number; family: Settings['family'] };
  /** the student video model in use, for the simulated accuracy-vs-k curve (none ⇒ max-pooling stands in) */
  studentTagger?: () => Promise<Tagger | null>;
  /** called after settings change what a scan uses (the model service drops loaded models) */
  onSettingsChanged?: () => void;
  summaries(rows: VideoRow[]): VideoSummary[];
}

interface UndoEntry { label: string; changes: { videoId: number; tag: string; score: number | null }[] }

const normTag = (t: string) => t.trim().toLowerCase().replace(/\s+/g, ' ');

export class UiServices {
  readonly repo: BrowseRepo;
  private undo: UndoEntry[] = [];

  constructor(private deps: UiDeps) {
    this.repo = new BrowseRepo(deps.db);
    const saved = this.loadSettings();
    if (saved?.k) deps.scanSettings.k = saved.k;
    if (saved?.family) deps.scanSettings.family = saved.family;
  }

  private get settingsFile() { return path.join(this.deps.cacheDir, 'settings.json'); }
  private loadSettings(): Partial<Settings> | null {
    try { return JSON.parse(fs.readFileSync(this.settingsFile, 'utf8')) as Partial<Settings>; } catch { return null; }
  }

  /** Apply human rows, remembering what they replace so `tags.undo` can put it back. */
  private apply(label: string, changes: { videoId: number; tag: string; score: number | null }[]): number {
    const before = changes.map((c) => ({ videoId: c.videoId, tag: c.tag, score: this.repo.humanScore(c.videoId, c.tag) }));
    const real = changes.filter((c, i) => before[i].score !== c.score);
    if (!real.length) return 0;
    this.repo.setHuman(real);
    this.undo.push({ label, changes: before.filter((_, i) => changes[i].score !== before[i].score) });
    if (this.undo.length > 100) this.undo.shift();
    return real.length;
  }

  /** Absolute path of a video's file, only if it resolves (symlinks included) to a regular file inside a library root. */
  mediaPath(videoId: number): string {
    const v = this.repo.videoRow(videoId);
    if (!v) throw new EngineError('not_found', `no video with id ${videoId}`);
    let real: string;
    try { real = fs.realpathSync(v.path); } catch { throw new EngineError('not_found', `file is missing: ${v.path}`); }
    const roots = this.repo.rootPaths().map((r) => { try { return fs.realpathSync(r); } catch { return path.resolve(r); } });
    if (!roots.some((r) => real.startsWith(r.endsWith(path.sep) ? r : r + path.sep))) {
      throw new EngineError('forbidden', 'file is outside the library folders');
    }
    if (!fs.statSync(real).isFile()) throw new EngineError('not_found', 'not a file');
    return real;
  }

  /** A JPEG (cached) of frame `index` of the student scan of a video. */
  async framePath(videoId: number, index: number): Promise<string> {
    const f = this.repo.studentFrame(videoId, index);
    if (!f) throw new EngineError('not_found', `no frame ${index} for video ${videoId}`);
    const out = path.join(this.deps.cacheDir, 'frames', `${videoId}-${f.scan_id}-${index}.jpg`);
    if (!fs.existsSync(out)) await writeThumbnail(this.mediaPath(videoId), f.time_s, out, 240);
    return out;
  }

  private cached: UiHandlers | null = null;
  handlers(): UiHandlers {
    return this.cached ??= {
      'library.search': (r) => {
        const known = this.repo.knownTags();
        for (const t of COCO80) known.add(t);
        const query = resolveQuery(parseQuery(r.q), (v) => known.has(v.toLowerCase()));
        const opts = { ...r, query, threshold: TAG_THRESHOLD, lowConfidence: LOW_CONFIDENCE, sep: path.sep };
        const { total, rows } = this.repo.search(opts);
        const sums = this.deps.summaries(rows);
        return {
          total,
          videos: sums.map((s, i) => ({ ...s, confidence: rows[i].confidence, mtimeMs: rows[i].mtime_ms })),
          facets: r.facets ? this.repo.facets(opts) : [],
          folders: r.facets ? this.repo.folders(path.sep) : [],
          understood: formatQuery(query),
        };
      },
      'tags.edit': ({ videoIds, add, remove }) => {
        const ids = this.repo.videoExists(videoIds);
        if (!ids.length) throw new EngineError('not_found', 'none of these videos exist');
        const changes = [
          ...add.map(normTag).flatMap((tag) => ids.map((videoId) => ({ videoId, tag, score: HUMAN_YES }))),
          ...remove.map(normTag).flatMap((tag) => ids.map((videoId) => ({ videoId, tag, score: HUMAN_NO }))),
        ];
        const what = [...add.map((t) => `+${normTag(t)}`), ...remove.map((t) => `−${normTag(t)}`)].join(' ');
        const changed = this.apply(`${what} on ${ids.length} video${ids.length === 1 ? '' : 's'}`, changes);
        return { changed, undoDepth: this.undo.length };
      },
      'tags.rename': ({ from, to }) => {
        const a = normTag(from), b = normTag(to);
        if (a === b) throw new EngineError('invalid', 'the new name is the same as the old one');
        const ids = this.repo.videosWithTag(a, TAG_THRESHOLD);
        if (!ids.length) throw new EngineError('not_found', `no video carries the tag “${a}”`);
        const changes = ids.flatMap((videoId) => [{ videoId, tag: a, score: HUMAN_NO }, { videoId, tag: b, score: HUMAN_YES }]);
        this.apply(`rename ${a} → ${b}`, changes);
        return { changed: ids.length, undoDepth: this.undo.length };
      },
      'tags.undo': () => {
        const last = this.undo.pop();
        if (!last) return { undone: null, undoDepth: 0 };
        this.repo.setHuman(last.changes);
        return { undone: last.label, undoDepth: this.undo.length };
      },
      'tags.export': ({ format }) => {
        const rows = this.repo.exportRows(TAG_THRESHOLD).map((r) => ({ videoId: r.video_id, path: r.path, tag: r.tag,
          score: Math.round(r.score * 1e4) / 1e4, source: r.source }));
        if (format === 'json') {
          const byVideo = new Map<number, { id: number; path: string; tags: { tag: string; score: number; source: string }[] }>();
          for (const r of rows) {
            if (!byVideo.has(r.videoId)) byVideo.set(r.videoId, { id: r.videoId, path: r.path, tags: [] });
            byVideo.get(r.videoId)!.tags.push({ tag: r.tag, score: r.score, source: r.source });
          }
          return { filename: 'glimpse-tags.json', mime: 'application/json', rows: rows.length,
            content: `${JSON.stringify({ threshold: TAG_THRESHOLD, videos: [...byVideo.values()] }, null, 2)}\n` };
        }
        const cell = (v: string | number) => {
          const s = String(v);
          // Quote everything that needs it; neutralise spreadsheet formulas (CSV injection) in file names.
          const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
          return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
        };
        const lines = ['video_id,path,tag,score,source', ...rows.map((r) => [r.videoId, r.path, r.tag, r.score, r.source].map(cell).join(','))];
        return { filename: 'glimpse-tags.csv', mime: 'text/csv', rows: rows.length, content: `${lines.join('\n')}\n` };
      },
      'settings.get': () => ({ k: this.deps.scanSettings.k, teacherFps: this.deps.scanSettings.teacherFps, family: this.deps.scanSettings.family }),
      'settings.set': ({ k: newK, family: newFamily }) => {
        const s = this.deps.scanSettings;
        if (newK !== undefined) s.k = newK;
        if (newFamily !== undefined) { s.family = newFamily; this.deps.onSettingsChanged?.(); }
        const k = s.k, family = s.family;
        fs.mkdirSync(this.deps.cacheDir, { recursive: true });
        fs.writeFileSync(this.settingsFile, JSON.stringify({ k, family }));
        return { k, teacherFps: s.teacherFps, family };
      },
      'cache.info': () => ({ dir: this.deps.cacheDir, ...dirSize(this.deps.cacheDir) }),
      'cache.clear': () => {
        // Frame strips are re-extracted on demand; thumbnails stay (the grid needs them and only a scan rewrites them).
        const frames = path.join(this.deps.cacheDir, 'frames');
        const { bytes } = dirSize(frames);
        fs.rmSync(frames, { recursive: true, force: true });
        return { freedBytes: bytes };
      },
      'compare.summary': async () => this.compare(await this.deps.studentTagger?.().catch(() => null) ?? null),
    };
  }

  private compare(tagger: Tagger | null): CompareSummary {
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
    const preds: number[][] = [], teach: number[][] = [], labels: number[][] = [], human: boolean[] = [];
    const videos = perVideo.map(({ p, rows }) => {
      const s = new Array<number>(n).fill(0), t = new Array<number>(n).fill(0), y = new Array<number>(n).fill(0);
      const edited = rows.some((r) => r.source === 'human');
      for (const r of rows) {
        const c = vocab.get(r.tag)!;
        if (r.source === 'student') s[c] = r.score;
        else if (r.source === 'teacher') { t[c] = r.score; if (!edited && r.score >= TAG_THRESHOLD) y[c] = 1; }
        else y[c] = r.score >= TAG_THRESHOLD ? 1 : 0;
      }
      preds.push(s); teach.push(t); labels.push(y); human.push(edited);
      const sSet = new Set(rows.filter((r) => r.source === 'student' && r.score >= TAG_THRESHOLD).map((r) => r.tag));
      const tSet = new Set(rows.filter((r) => r.source === 'teacher' && r.score >= TAG_THRESHOLD).map((r) => r.tag));
      const union = new Set([...sSet, ...tSet]);
      const inter = [...sSet].filter((x) => tSet.has(x)).length;
      const pick = (src: 'student' | 'teacher'): TagScore[] => rows.filter((r) => r.source === src && r.score >= TAG_THRESHOLD)
        .sort((a, b) => b.score - a.score).map((r) => ({ tag: r.tag, score: Math.round(r.score * 1e3) / 1e3, source: src }));
      return {
        id: p.video_id, name: p.name, student: pick('student'), teacher: pick('teacher'),
        agreement: union.size ? inter / union.size : 1,
        studentSeconds: p.s_seconds, teacherSeconds: p.t_seconds, studentFrames: p.s_frames, teacherFrames: p.t_frames,
        studentStages: stages(p, 's'), teacherStages: stages(p, 't'),
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
    const student = metrics(preds), teacher = humanEdited ? metrics(teach) : null;

    // Accuracy vs time. Measured: the stored student and teacher scans. Simulated: the student model in use fed k
    // uniformly spaced frames of the teacher's cached per-frame features (no decoding), costed at the teacher's
    // s/frame; without a model, max-pooling of those frames' detector scores stands in.
    const curve: CompareSummary['curve'] = [];
    if (pairs.length) {
      const perFrame = pairs.reduce((a, p) => a + p.t_seconds, 0) / Math.max(1, pairs.reduce((a, p) => a + p.t_frames, 0));
      const teacherFrames = pairs.map((p) => (tagger ? this.repo.frameVectors(p.t_id) : this.repo.frameScores(p.t_id)));
      const pick = <T>(frames: T[], k: number): T[] => uniformIndices(frames.length, k).map((i) => frames[i]);
      for (const k of [1, 2, 3, 5, 10, 20, 30]) {
        if (k > Math.max(...teacherFrames.map((f) => f.length))) break;
        const sim = teacherFrames.filter((_, i) => scored[i]).map((frames) => {
          const row = new Array<number>(n).fill(0);
          const chosen = pick(frames, k);
          const scores = tagger ? [tagger.predict(chosen)] : chosen;
          for (const f of scores) for (let c = 0; c < f.length; c++) row[c] = Math.max(row[c], f[c]);
          return row;
        });
        const m = evaluate(sim, truth, TAG_THRESHOLD);
        curve.push({ label: `k=${k} (simulated${tagger ? '' : ', max-pool'})`, k, secondsPerVideo: perFrame * k, hit1: m.hit1, map: m.map, simulated: true });
      }
      const kOf = (model: string) => Number(/uniform-(\d+)/.exec(model)?.[1] ?? NaN);
      if (student) curve.push({ label: 'student (measured)', k: kOf(pairs[0].s_model) || null, secondsPerVideo: studentSecondsPerVideo, hit1: student.hit1, map: student.map, simulated: false });
      if (teacher) curve.push({ label: 'teacher (measured)', k: null, secondsPerVideo: teacherSecondsPerVideo, hit1: teacher.hit1, map: teacher.map, simulated: false });
    }
    return {
      labelSource: humanEdited ? `your tags on ${humanEdited} video${humanEdited === 1 ? '' : 's'} (only those are scored)`
        : "agreement with the teacher's tags (no video has your tags yet, so the teacher itself is not scored)",
      videos,
      library: {
        pairs: pairs.length, student, teacher, studentSecondsPerVideo, teacherSecondsPerVideo,
        studentFramesPerVideo: mean(pairs.map((p) => p.s_frames)), teacherFramesPerVideo: mean(pairs.map((p) => p.t_frames)),
        studentStages: meanStages(videos.map((v) => v.studentStages)), teacherStages: meanStages(videos.map((v) => v.teacherStages)),
      },
      curve,
    };
  }
}

const UI_CHANNELS: UiChannel[] = ['library.search', 'tags.edit', 'tags.rename', 'tags.undo', 'tags.export', 'settings.get',
  'settings.set', 'cache.info', 'cache.clear', 'compare.summary'];

/** Handlers that look the services up at call time (the engine's handler map is built before its constructor runs). */
export function lazyUiHandlers(get: () => UiServices): UiHandlers {
  return Object.fromEntries(UI_CHANNELS.map((c) => [c, (r: unknown) => (get().handlers()[c] as (r: unknown) => unknown)(r)])) as UiHandlers;
}

/** Frame CNN FLOPs per frame: the MobileNetV2 embedding and the centernet detector both run on every frame. */
const CNN_FLOPS_PER_FRAME = MOBILENET_V2_224_FLOPS + CENTERNET_512_FLOPS;

function stages(p: ComparePair, k: 's' | 't'): StageCost {
  const frames = k === 's' ? p.s_frames : p.t_frames;
  return k === 's'
    ? { decodeSeconds: p.s_decode, cnnSeconds: p.s_cnn, modelSeconds: p.s_vm ?? 0, cnnFlops: frames * CNN_FLOPS_PER_FRAME, modelFlops: p.s_vm_flops ?? 0 }
    : { decodeSeconds: p.t_decode, cnnSeconds: p.t_cnn, modelSeconds: p.t_vm ?? 0, cnnFlops: frames * CNN_FLOPS_PER_FRAME, modelFlops: p.t_vm_flops ?? 0 };
}

function meanStages(xs: StageCost[]): StageCost {
  const m = (f: (s: StageCost) => number) => (xs.length ? xs.reduce((a, s) => a + f(s), 0) / xs.length : 0);
  return { decodeSeconds: m((s) => s.decodeSeconds), cnnSeconds: m((s) => s.cnnSeconds), modelSeconds: m((s) => s.modelSeconds),
    cnnFlops: m((s) => s.cnnFlops), modelFlops: m((s) => s.modelFlops) };
}

function dirSize(dir: string): { bytes: number; files: number } {
  let bytes = 0, files = 0;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) { bytes += fs.statSync(p).size; files++; }
    }
  };
  walk(dir);
  return { bytes, files };
}
