/**
 * The video models in use (teacher and student), training them on the user's library, and importing human labels.
 * Models refitted on this library (<data>/models) win over the ones shipped in resources/models.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LabelsImportResult, ModelFamily, ModelInfo, ModelsInfo, TrainReport } from '../../shared/api.ts';
import { COCO80 } from '../../shared/coco.ts';
import type { JobContext, JobQueue } from '../jobs/queue.ts';
import { writeFileAtomicSync } from '../core/atomic-write.ts';
import { workerScript } from '../core/resources.ts';
import { LABELS_CSV_MAX_BYTES, readLabelsCsv } from '../ml/dataset.ts';
import type { LibraryTrainOptions } from '../ml/library-training.ts';
import { defaultModelsDir, hasModel, loadTagger, readAnyManifest, type Tagger } from '../ml/tagger.ts';
import type { TrainWorkerMessage } from '../ml/train-worker.ts';
import { BrowseRepo } from '../store/browse-repo.ts';
import type { Db } from '../store/db.ts';
import { EngineError } from './errors.ts';

export type Role = 'teacher' | 'student';

/** Frames a teacher sees in a typical clip, for the FLOPs figure of models.info. */
const TYPICAL_TEACHER_FRAMES = 60;

export class ModelService {
  private loaded = new Map<string, Promise<Tagger>>();
  readonly libraryDir: string;

  constructor(
    private db: Db,
    private dbPath: string,
    dataDir: string,
    /** the current settings (read at each use: the user may change them while the app runs) */
    private settings: () => { k: number; family: ModelFamily | null },
    private defaultsDir = defaultModelsDir(),
  ) {
    this.libraryDir = path.join(dataDir, 'models');
  }

  /** Candidate model folders for a role, best first: refitted on this library, then shipped. */
  private candidates(role: Role): { dir: string; origin: ModelInfo['origin'] }[] {
    const fam = this.settings().family;
    const list = [
      { dir: path.join(this.libraryDir, role), origin: 'library' as const },
      ...(fam ? [{ dir: path.join(this.defaultsDir, `${role}-${fam}`), origin: 'default' as const }] : []),
      { dir: path.join(this.defaultsDir, role), origin: 'default' as const },
    ];
    // A folder with a manifest that is not a loadable model (damaged, truncated, weights missing) stays a candidate:
    // loading it then fails naming the file, instead of silently falling back to the next model or the detector.
    return list.filter((c) => hasModel(c.dir) || fs.existsSync(path.join(c.dir, 'manifest.json')));
  }

  /** The folder of the model a scan of this role uses, honouring the family setting; null when none fits. */
  async resolve(role: Role): Promise<{ dir: string; origin: ModelInfo['origin'] } | null> {
    for (const c of this.candidates(role)) {
      if (!this.settings().family) return c;
      try {
        if ((await readAnyManifest(c.dir)).family === this.settings().family) return c;
      } catch {
        return c; // unreadable: not skipped for the next one; loading it reports the damaged file
      }
    }
    return null;
  }

  /** The tagger of a role, loaded once; null when no model fits (a scan then falls back to detector max-pooling). */
  async tagger(role: Role): Promise<Tagger | null> {
    const r = await this.resolve(role);
    if (!r) return null;
    let p = this.loaded.get(r.dir);
    if (!p) {
      p = loadTagger(r.dir); // starts tfjs only for a tfjs video model: an evidence model is plain JavaScript
      p.catch(() => this.loaded.delete(r.dir));
      this.loaded.set(r.dir, p);
    }
    return p;
  }

  /**
   * Why a scan of this role will fall back to the detector's max over frames (no model fits the settings), or null
   * when a model is used. A model that exists but cannot load throws, naming the file: never a silent fallback.
   */
  async fallbackWarning(role: Role): Promise<string | null> {
    if (await this.tagger(role)) return null;
    const fam = this.settings().family;
    return (
      `no ${role} model fits${fam ? ` (family ${fam})` : ''}: tags from the detector alone — ` +
      `run glimpse train${fam ? ` --family ${fam}` : ''}`
    );
  }

  /** Forget loaded models (after training or a settings change). */
  invalidate(): void {
    for (const p of this.loaded.values())
      void p.then(
        (t) => t.dispose(),
        () => undefined,
      );
    this.loaded.clear();
  }

  async info(): Promise<ModelsInfo> {
    const problems: string[] = [];
    const one = async (role: Role): Promise<ModelInfo | null> => {
      const r = await this.resolve(role);
      if (!r) {
        problems.push(
          `no ${role} model${this.settings().family ? ` of family ${this.settings().family}` : ''}: ` +
            `tags come from the detector alone${this.settings().family ? ` (run "glimpse train --family ${this.settings().family}")` : ''}`,
        );
        return null;
      }
      try {
        const t = await this.tagger(role);
        const m = t!.manifest;
        return {
          role,
          family: m.family,
          k: m.k,
          origin: r.origin,
          dir: r.dir,
          created: m.created,
          flopsPerVideo: t!.flops(role === 'student' ? (m.k ?? this.settings().k) : TYPICAL_TEACHER_FRAMES),
          metrics: m.metrics,
        };
      } catch (e) {
        problems.push(`${role} model in ${r.dir} could not load: ${(e as Error).message}`);
        return null;
      }
    };
    return { teacher: await one('teacher'), student: await one('student'), problems, lastTraining: this.lastTraining() };
  }

  lastTraining(): TrainReport | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.libraryDir, 'last-training.json'), 'utf8')) as TrainReport;
    } catch {
      return null;
    }
  }

  /**
   * The training job body: make sure every video has its full-frame features (teacher scan), then train in a
   * worker thread. Cancelling terminates the worker; the models in use are only replaced by a finished run.
   */
  async train(
    ctx: JobContext & { jobId: string },
    o: { family: ModelFamily; k: number; epochs?: number },
    teacherScanMissing: (ctx: JobContext) => Promise<void>,
  ): Promise<TrainReport> {
    await teacherScanMissing(ctx);
    if (ctx.signal.aborted) throw new Error('cancelled');
    const current = await this.resolve('student');
    const opts: Omit<LibraryTrainOptions, 'onProgress'> = {
      dbPath: this.dbPath,
      outDir: this.libraryDir,
      family: o.family,
      k: o.k,
      epochs: o.epochs,
      currentStudentDir: current?.dir ?? null,
      shippedDir: this.defaultsDir,
    };
    fs.mkdirSync(path.dirname(this.libraryDir), { recursive: true });
    const worker = new Worker(workerScript('train-worker'), { workerData: opts });
    const report = await new Promise<Omit<TrainReport, 'jobId'>>((resolve, reject) => {
      const abort = () => {
        void worker.terminate();
        reject(new Error('cancelled'));
      };
      ctx.signal.addEventListener('abort', abort, { once: true });
      worker.on('message', (m: TrainWorkerMessage) => {
        if (m.type === 'progress') ctx.progress(m.done, m.total, m.message);
        else if (m.type === 'done') resolve(m.report);
        else reject(new EngineError('invalid', m.error));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0 && !ctx.signal.aborted) reject(new Error(`training worker exited with code ${code}`));
      });
    }).finally(() => {
      void worker.terminate();
    });
    const full: TrainReport = { jobId: ctx.jobId, ...report };
    writeFileAtomicSync(path.join(this.libraryDir, 'last-training.json'), `${JSON.stringify(full, null, 2)}\n`);
    this.invalidate();
    return full;
  }

  /**
   * Human labels from a CSV (`file,tags` with `;`-separated COCO names, like ../shared/data/labels.csv). A row
   * matches a library video by absolute path, else by file name when exactly one video has that name.
   */
  /**
   * Human tags from a labels CSV. Read without blocking the thread that answers the UI: opened non-blocking (a FIFO
   * neither blocks nor is read), only a regular file of at most LABELS_CSV_MAX_BYTES, read asynchronously.
   */
  async importLabels(csvPath: string): Promise<LabelsImportResult> {
    let text: string;
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(csvPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError('not_found', `labels file not found: ${csvPath}`);
      throw new EngineError('invalid', `cannot read labels file ${csvPath}: ${(e as Error).message}`);
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new EngineError('invalid', `not a regular file: ${csvPath}`);
      if (st.size > LABELS_CSV_MAX_BYTES)
        throw new EngineError('invalid', `labels file is larger than ${LABELS_CSV_MAX_BYTES >> 20} MB: ${csvPath}`);
      const buf = Buffer.alloc(st.size);
      let n = 0;
      while (n < buf.length) {
        const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
        if (!bytesRead) break;
        n += bytesRead;
      }
      text = buf.subarray(0, n).toString('utf8');
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('invalid', `cannot read labels file ${csvPath}: ${(e as Error).message}`);
    } finally {
      await handle.close();
    }
    let parsed: ReturnType<typeof readLabelsCsv>;
    try {
      parsed = readLabelsCsv(csvPath, text);
    } catch (e) {
      throw new EngineError('invalid', (e as Error).message);
    }
    const repo = new BrowseRepo(this.db);
    const videos = repo.labelTargets();
    const byPath = new Map(videos.map((v) => [v.path, v.id]));
    const byName = new Map<string, number[]>();
    for (const v of videos) byName.set(v.name, [...(byName.get(v.name) ?? []), v.id]);
    let matched = 0;
    const unmatched: string[] = [];
    const yes: { videoId: number; tag: string }[] = [];
    for (const row of parsed.labels.values()) {
      const id =
        byPath.get(row.file) ?? (byName.get(path.basename(row.file))?.length === 1 ? byName.get(path.basename(row.file))![0] : undefined);
      if (id === undefined) {
        unmatched.push(row.file);
        continue;
      }
      matched++;
      for (const t of row.tags) if ((COCO80 as readonly string[]).includes(t)) yes.push({ videoId: id, tag: t });
    }
    repo.addHumanYes(yes);
    const tagsSet = yes.length;
    return { matched, unmatched, unknownTags: parsed.unknownTags, tagsSet };
  }
}

/** Enqueue-side helper so engine.ts stays a thin map. */
export function enqueueTraining(
  jobs: JobQueue,
  models: ModelService,
  o: { family: ModelFamily; k: number; epochs?: number },
  teacherScanMissing: (ctx: JobContext) => Promise<void>,
): string {
  const id: { v: string } = { v: '' };
  id.v = jobs.enqueue('train', async (ctx) => {
    await models.train({ ...ctx, jobId: id.v }, o, teacherScanMissing);
  });
  return id.v;
}
