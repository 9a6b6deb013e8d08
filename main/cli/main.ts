/** The headless face: every command maps onto the engine's API; `--json` prints exactly the API's result. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DoctorReport, JobInfo, ModelFamily, VideoSummary } from '../../shared/api.ts';
import { defaultDbPath } from '../core/paths.ts';
import type { Engine } from '../engine/engine.ts';
import { escapeControl as shown } from '../library/walk.ts';
import { toApiError } from '../engine/errors.ts';
import { ProgressPrinter } from './progress.ts';

const USAGE = `glimpse — tag a video library by content (student on a few frames, teacher on all)

Usage: glimpse <command> [options]

Commands:
  add <folder> [--no-scan]     add a library root, index it and tag it with the student (k frames/video)
  search <tag> [--query TEXT]  videos carrying a tag
  videos [--query TEXT]        all videos (with --query: path contains TEXT)
  show <id>                    one video: tags, scans and the frames the student looked at
  tags                         tag → number of videos
  scan --student|--teacher [ID|PATH...] [--family F] [--force]
                               scan all (or the given videos / folders) again; the teacher looks at every
                               frame (1 fps, at most 300), the student at k. A scan of all skips videos
                               whose scan is current (same k and model: a killed scan resumes); --force
                               redoes them
  compare                      student vs teacher: accuracy (GAP, mAP, hit@1, P/R), seconds and frames per video
  train [--family F] [--epochs N]
                               teach the student on this library (teacher-scans what lacks it first; labels are
                               your tags where you gave them, else the teacher's detections)
  models                       the teacher and student models in use, and the last training's before/after
  labels import FILE.csv       human tags from a CSV (file,tags with ;-separated COCO names)
  roots list | roots add <folder> | roots remove <folder>
  jobs                         the job queue (this process, then recorded runs of earlier ones)
  rescan [--no-scan]           re-walk every root: only new/changed files cost anything; then scan pending
  errors                       files that could not be used, with their error
  prune [--yes]                forget videos whose files are missing; lists them and needs --yes when any
                               carries your tags (those would be lost for good)
  doctor                       backend, ffmpeg, model files, database path
  serve [--port N]             browser mode: the app on http://127.0.0.1 with a per-run token
  export --format csv|json [--out FILE]   every video's tags (human edits win); stdout without --out

Options:
  --db PATH     database file (default: ${defaultDbPath()}; env GLIMPSE_DB)
  --k N         frames the student looks at per video (default 10)
  --concurrency N   videos ffmpeg decodes ahead while the CNN runs (default: cores - 1, at most 4)
  --family F    video-model family: evidence, hrnn, netvlad or nextvlad (default: the shipped models' family, evidence)
  --json        machine-readable output
  -h, --help    this text
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        db: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        k: { type: 'string' },
        port: { type: 'string' },
        query: { type: 'string' },
        'no-scan': { type: 'boolean', default: false },
        student: { type: 'boolean', default: false },
        teacher: { type: 'boolean', default: false },
        'no-open': { type: 'boolean', default: false },
        format: { type: 'string' },
        out: { type: 'string' },
        family: { type: 'string' },
        epochs: { type: 'string' },
        concurrency: { type: 'string' },
        yes: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`glimpse: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const {
    values: o,
    positionals: [cmd, ...args],
  } = parsed;
  if (o.help || !cmd) {
    process.stdout.write(USAGE);
    return cmd || o.help ? 0 : 2;
  }

  const k = o.k !== undefined ? Number(o.k) : undefined;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= 300)) return fail('--k must be an integer from 1 to 300', 2);
  const family = o.family as ModelFamily | undefined; // checked against the schema just below
  // the API's schemas (zod) load after --help, which needs none of them
  const families = (await import('../../shared/api.ts')).ModelFamily.options as readonly string[];
  if (family !== undefined && !families.includes(family)) return fail(`--family must be one of ${families.join(', ')}`, 2);
  const decoders = o.concurrency !== undefined ? Number(o.concurrency) : undefined;
  if (decoders !== undefined && !(Number.isInteger(decoders) && decoders >= 1 && decoders <= 16))
    return fail('--concurrency must be an integer from 1 to 16', 2);
  // The engine (SQLite, job queue, scan services) and the server load only once a command needs them: `--help`
  // and argument errors answer without them (start-up budget 0.5 s).
  const { Engine } = await import('../engine/engine.ts');
  let engine: Engine;
  try {
    engine = new Engine({
      dbPath: o.db ?? defaultDbPath(),
      scan: { ...(k ? { k } : {}), ...(family ? { family } : {}), ...(decoders ? { decoders } : {}) },
      warmPool: cmd === 'serve', // a server stays open: see EngineOptions.warmPool
    });
  } catch (e) {
    // The database cannot be opened (read-only, disk full, newer schema…): one sentence, no stack trace.
    const err = toApiError(e);
    if (o.json) process.stdout.write(`${JSON.stringify(err)}\n`);
    return fail(diskFullWording(err.error), 1);
  }
  const out = (value: unknown, text: () => string) => process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
  // Videos the machine failed on (timeout, disk full, permission): not broken, retried by the next scan or rescan,
  // but this run did not do its work, so the exit status says so.
  const retryLines = (rows: { path: string; error: string | null }[]) =>
    rows.length
      ? [
          `${rows.length} video${rows.length === 1 ? '' : 's'} could not be read this time (not the file's fault); \`glimpse rescan\` tries again:`,
          ...rows.map((v) => `  retry: ${shown(v.path)}: ${shown(v.error ?? '')}`),
        ]
      : [];
  const waitJob = async (jobId: string | null): Promise<JobInfo | null> => {
    if (!jobId) return null;
    const bar = new ProgressPrinter(process.stderr, o.json);
    const onEvent = (e: { type: string; job?: JobInfo }) => {
      if (e.type === 'job' && e.job?.id === jobId) bar.update(e.job);
    };
    engine.events.on('event', onEvent);
    const stop = () => engine.jobs.cancel(jobId);
    process.once('SIGINT', stop);
    const job = await engine.jobs.wait(jobId);
    process.off('SIGINT', stop);
    engine.events.off('event', onEvent);
    bar.end();
    // A job that failed says why on stderr (e.g. "disk full: …"), whatever the command prints after.
    if (job.state === 'failed' && job.error)
      process.stderr.write(`glimpse: ${job.kind} failed: ${diskFullWording(job.error, engine.dbPath)}\n`);
    return job;
  };
  // Warnings of a finished job (e.g. no video model fits: tags came from the detector alone), said on stderr.
  const warningsOf = (jobId: string | null): string[] => {
    const w = engine.warningsOf(jobId);
    for (const line of w) process.stderr.write(`glimpse: warning: ${line}\n`);
    return w;
  };

  try {
    switch (cmd) {
      case 'add':
      case 'roots': {
        const sub = cmd === 'add' ? 'add' : args[0];
        const folder = cmd === 'add' ? args[0] : args[1];
        if (sub === 'list' || (cmd === 'roots' && !sub)) {
          const roots = await engine.call('library.roots', {});
          out(roots, () => roots.map((r) => `${r.path}\t${r.videoCount} videos`).join('\n') || '(no library roots)');
          return 0;
        }
        if (!folder) return fail(`usage: glimpse ${cmd === 'add' ? 'add' : `roots ${sub}`} <folder>`, 2);
        if (sub === 'remove') {
          const r = await engine.call('library.removeRoot', { path: path.resolve(folder) });
          out(r, () => (r.removed ? `removed ${folder}` : `${folder} was not a library root`));
          return r.removed ? 0 : 1;
        }
        if (sub !== 'add') return fail(`unknown: roots ${sub} (list, add, remove)`, 2);
        const { root, jobId } = await engine.call('library.addRoot', { path: path.resolve(folder), scan: !o['no-scan'] });
        const job = await waitJob(jobId);
        const warnings = warningsOf(jobId);
        const { videos } = await engine.call('library.videos', { limit: 100_000 });
        const mine = videos.filter((v) => v.path.startsWith(root.path + path.sep));
        const errors = mine.filter((v) => v.status === 'error');
        const retry = engine.libraryOps.retryable([root.id]);
        const unreachable = engine.libraryOps.unreachable(root.path);
        out(
          {
            root,
            job,
            videos: mine.length,
            tagged: mine.filter((v) => v.status === 'ok').length,
            errors: errors.map((v) => ({ path: v.path, error: v.error })),
            retry: retry.map((v) => ({ path: v.path, error: v.error })),
            unreachable,
            warnings,
          },
          () =>
            [
              `${root.path}: ${mine.length} videos, ${mine.filter((v) => v.status === 'ok').length} tagged, ${errors.length} errors` +
                (retry.length ? `, ${retry.length} to retry` : ''),
              ...(unreachable ? [`root unreachable: ${root.path} (${unreachable}), nothing marked missing`] : []),
              ...errors.map((v) => `  error: ${shown(v.path)}: ${shown(v.error ?? '')}`),
              ...retryLines(retry),
            ].join('\n'),
        );
        return (job && job.state !== 'done') || retry.length || unreachable ? 1 : 0;
      }
      case 'search':
      case 'videos': {
        const tag = cmd === 'search' ? args[0] : undefined;
        if (cmd === 'search' && !tag) return fail('usage: glimpse search <tag>', 2);
        const r = await engine.call('library.videos', { tag, query: o.query, limit: 100_000 });
        out(r, () => r.videos.map(videoLine).join('\n') || '(no videos)');
        return 0;
      }
      case 'show': {
        const v = await engine.call('library.video', { id: Number(args[0]) });
        out(v, () =>
          [
            videoLine(v),
            ...v.scans.map((s) => `  scan ${s.kind} ${s.model}: ${s.frames} frames, ${s.seconds.toFixed(2)} s`),
            ...v.frames.map((f) => `  ${f.timeS.toFixed(2)}s ${f.detections.map((d) => `${d.tag} ${d.score.toFixed(2)}`).join(', ')}`),
          ].join('\n'),
        );
        return 0;
      }
      case 'tags': {
        const r = await engine.call('library.tags', {});
        out(r, () => r.map((t) => `${String(t.count).padStart(6)}  ${t.tag}`).join('\n') || '(no tags yet)');
        return 0;
      }
      case 'scan': {
        if (o.student === o.teacher) return fail('choose one of --student or --teacher', 2);
        const ids = await videoIdsOf(engine, args);
        if (args.length && !ids.length) return fail(`no library video matches ${args.join(' ')}`, 1);
        const { jobId } = await engine.call('scan.start', {
          kind: o.teacher ? 'teacher' : 'student',
          videoIds: ids.length ? ids : undefined,
          force: o.force,
        });
        const job = await waitJob(jobId);
        const warnings = warningsOf(jobId);
        const retry = engine.libraryOps.retryable().filter((v) => !ids.length || ids.includes(v.id));
        out(job && { ...job, warnings }, () => [`scan ${job?.state}: ${job?.done}/${job?.total}`, ...retryLines(retry)].join('\n'));
        return job?.state === 'done' && !retry.length ? 0 : 1;
      }
      case 'compare': {
        const r = await engine.call('compare.summary', {});
        const m = (x: { gap: number; map: number; hit1: number; precision: number; recall: number } | null) =>
          x
            ? `GAP ${x.gap.toFixed(3)}  mAP ${x.map.toFixed(3)}  hit@1 ${x.hit1.toFixed(3)}  P ${x.precision.toFixed(3)}  R ${x.recall.toFixed(3)}`
            : '–';
        out(r, () =>
          !r.library.pairs
            ? 'no video has both a student and a teacher scan yet (run: glimpse scan --teacher)'
            : [
                `${r.library.pairs} videos with both scans; labels: ${r.labelSource}`,
                `student: ${m(r.library.student)}   ${r.library.studentSecondsPerVideo.toFixed(2)} s/video, ${r.library.studentFramesPerVideo.toFixed(1)} frames`,
                `teacher: ${m(r.library.teacher)}   ${r.library.teacherSecondsPerVideo.toFixed(2)} s/video, ${r.library.teacherFramesPerVideo.toFixed(1)} frames`,
                '',
                'per video (agreement = student vs teacher tags):',
                ...r.videos.map(
                  (v) =>
                    `  ${v.name}: agreement ${v.agreement.toFixed(2)}, student ${v.studentSeconds.toFixed(2)} s / teacher ${v.teacherSeconds.toFixed(2)} s` +
                    `  [${v.student.map((t) => t.tag).join(', ')}] vs [${v.teacher.map((t) => t.tag).join(', ')}]`,
                ),
              ].join('\n'),
        );
        return 0;
      }
      case 'train': {
        const epochs = o.epochs !== undefined ? Number(o.epochs) : undefined;
        if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1)) return fail('--epochs must be a positive integer', 2);
        const { jobId } = await engine.call('train.start', { family: family as ModelFamily | undefined, k, epochs });
        const job = await waitJob(jobId);
        const info = await engine.call('models.info', {});
        const t = info.lastTraining;
        const fmt = (x: { gap: number; map: number; hit1: number } | null) =>
          x ? `GAP ${x.gap.toFixed(3)} mAP ${x.map.toFixed(3)} hit@1 ${x.hit1.toFixed(3)}` : '–';
        out({ job, training: job?.state === 'done' ? t : null }, () =>
          job?.state !== 'done'
            ? `training ${job?.state}: ${job?.error ?? job?.message}`
            : [
                `trained ${t?.family} on ${t?.videos} videos (${t?.labelSources.human} with your tags, ${t?.labelSources.teacher} labelled by the teacher)`,
                `student k=${t?.k} held-out: before ${fmt(t?.before ?? null)}`,
                `                     after  ${fmt(t?.after ?? null)}`,
                `teacher held-out:            ${fmt(t?.teacher ?? null)}`,
              ].join('\n'),
        );
        return job?.state === 'done' ? 0 : 1;
      }
      case 'models': {
        const r = await engine.call('models.info', {});
        const line = (x: typeof r.teacher) =>
          x
            ? `${x.role}: ${x.family}${x.k ? ` k=${x.k}` : ''} (${x.origin}, ${x.dir}), ${(x.flopsPerVideo / 1e6).toFixed(1)} MFLOPs/video`
            : '';
        out(r, () => [line(r.teacher), line(r.student), ...r.problems.map((p) => `problem: ${p}`)].filter(Boolean).join('\n'));
        return r.teacher && r.student ? 0 : 1;
      }
      case 'labels': {
        if (args[0] !== 'import' || !args[1]) return fail('usage: glimpse labels import FILE.csv', 2);
        const r = await engine.call('labels.import', { csvPath: path.resolve(args[1]) });
        out(r, () =>
          [
            `${r.matched} videos labelled (${r.tagsSet} tags); ${r.unmatched.length} rows matched no library video`,
            ...(r.unknownTags.length ? [`not COCO-80 names, skipped: ${r.unknownTags.join(', ')}`] : []),
          ].join('\n'),
        );
        return 0;
      }
      case 'jobs': {
        const r = await engine.call('jobs.list', {});
        out(r, () => r.map((j) => `${j.id} ${j.kind} ${j.state} ${j.done}/${j.total}`).join('\n') || '(no jobs in this process)');
        return 0;
      }
      case 'rescan': {
        const { jobId } = await engine.call('library.rescan', { scan: !o['no-scan'] });
        const job = await waitJob(jobId);
        const warnings = warningsOf(jobId);
        const retry = engine.libraryOps.retryable();
        const unreachable = engine.libraryOps.lastReports.some((r) => r.unreachable);
        out(job && { ...job, warnings }, () => [`rescan ${job?.state}: ${job?.message}`, ...retryLines(retry)].join('\n'));
        return job?.state === 'done' && !retry.length && !unreachable ? 0 : 1;
      }
      case 'errors': {
        const r = await engine.call('library.errors', {});
        out(r, () => r.map((e) => `${shown(e.path)}\t${shown(e.error)}`).join('\n') || '(no errors)');
        return 0;
      }
      case 'prune': {
        // Human tags cannot be regenerated: list what would go and ask for --yes before any of them is deleted.
        const candidates = engine.libraryOps.pruneCandidates();
        const tagged = candidates.filter((c) => c.humanTags > 0);
        if (tagged.length && !o.yes) {
          out({ pruned: 0, paths: [], wouldPrune: candidates, confirmWith: '--yes' }, () =>
            [
              `prune would forget ${candidates.length} missing video${candidates.length === 1 ? '' : 's'}; ${tagged.length} carry your tags, lost for good:`,
              ...candidates.map(
                (c) => `  ${shown(c.path)}${c.humanTags ? `  (${c.humanTags} tag${c.humanTags === 1 ? '' : 's'} of yours)` : ''}`,
              ),
              'nothing was removed: run `glimpse prune --yes` to forget them (or reconnect the drive and `glimpse rescan`)',
            ].join('\n'),
          );
          return 1;
        }
        const r = await engine.call('library.prune', { confirm: true });
        out(r, () => `forgot ${r.pruned} missing video${r.pruned === 1 ? '' : 's'}${r.paths.map((p) => `\n  ${shown(p)}`).join('')}`);
        return 0;
      }
      case 'export': {
        if (o.format !== 'csv' && o.format !== 'json') return fail('usage: glimpse export --format csv|json [--out FILE]', 2);
        const r = await engine.call('tags.export', { format: o.format });
        if (o.out) {
          fs.writeFileSync(path.resolve(o.out), r.content);
          process.stderr.write(`wrote ${r.rows} tags to ${path.resolve(o.out)}\n`);
        } else process.stdout.write(r.content);
        return 0;
      }
      case 'doctor': {
        const r = await engine.call('system.doctor', {});
        out(r, () =>
          [
            `glimpse ${r.version} on node ${r.node}`,
            `backend:  ${r.backend.name} — ${r.backend.reason}`,
            `gpu:      ${r.gpu.used ? `yes — ${r.gpu.why}` : `no — ${r.gpu.why}${r.gpu.instead ? `; running ${r.gpu.instead} instead` : ''}`}`,
            ...r.backend.tried
              .filter((t) => !t.ok && t.name !== 'tensorflow-gpu')
              .map((t) => `          (${t.name} unavailable: ${t.error})`),
            `workers:  ${r.cnnWorkers.running} CNN worker${r.cnnWorkers.running === 1 ? '' : 's'} running, up to ${r.cnnWorkers.max} (more start for a teacher scan or several videos)`,
            `ffmpeg:   ${toolLine(r.ffmpeg)}`,
            `ffprobe:  ${toolLine(r.ffprobe)}`,
            ...r.models.map((m) => `model:    ${m.found ? 'ok     ' : 'MISSING'} ${m.name} (${m.file})`),
            `database: ${r.dbPath}`,
            `data:     ${r.dataDir}`,
            `cache:    ${r.cacheDir}`,
          ].join('\n'),
        );
        return r.ffmpeg && r.ffprobe && r.models.every((m) => m.found) && r.backend.name !== 'none' ? 0 : 1;
      }
      case 'serve': {
        const port = o.port !== undefined ? Number(o.port) : 0;
        const { startServer } = await import('../server/server.ts');
        const server = await startServer(engine, { port });
        // While serving, library folders are watched (one-shot commands never watch); a root that cannot be
        // watched (inotify limit) is rescanned periodically instead, and that is said here.
        engine.libraryOps.startWatching({}, (s) =>
          process.stderr.write(`glimpse: ${s.path}: ${s.reason ?? 'watching for changes again'}\n`),
        );
        out({ url: server.url, token: server.token }, () => `Glimpse is running at ${server.url}\n(press Ctrl+C to stop)`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
        return 0;
      }
      default:
        return fail(`unknown command: ${cmd}\n\n${USAGE}`, 2);
    }
  } catch (e) {
    const err = toApiError(e);
    if (o.json) process.stdout.write(`${JSON.stringify(err)}\n`);
    return fail(diskFullWording(err.error), err.code === 'invalid' ? 2 : 1);
  } finally {
    await engine.close();
  }
}

/** SQLite's "database or disk is full" and Node's ENOSPC said plainly, once. */
function diskFullWording(message: string, dbPath?: string): string {
  if (/^disk full/i.test(message) || !/database or disk is full|ENOSPC|no space left on device|SQLITE_FULL/i.test(message)) return message;
  return `disk full: ${message}${dbPath ? ` (library database ${dbPath}); free some space and run again` : ''}`;
}

/** Scan targets: numbers are video ids; anything else is a file or folder whose library videos are meant. */
async function videoIdsOf(engine: Engine, args: string[]): Promise<number[]> {
  if (!args.length) return [];
  const ids = new Set<number>();
  const paths = args.filter((a) => !/^\d+$/.test(a)).map((a) => path.resolve(a));
  for (const a of args) if (/^\d+$/.test(a)) ids.add(Number(a));
  if (paths.length) {
    const { videos } = await engine.call('library.videos', { limit: 100_000 });
    const real = paths.map((p) => {
      try {
        return fs.realpathSync(p);
      } catch {
        return p;
      }
    });
    for (const v of videos) if (real.some((p) => v.path === p || v.path.startsWith(p + path.sep))) ids.add(v.id);
  }
  return [...ids];
}

function fail(message: string, code: number): number {
  process.stderr.write(`glimpse: ${message}\n`);
  return code;
}

function videoLine(v: VideoSummary): string {
  const tags = v.tags.map((t) => `${t.tag}:${t.score.toFixed(2)}`).join(' ');
  const state = v.status === 'ok' ? '' : ` [${v.status}${v.error ? `: ${shown(v.error)}` : ''}]`;
  return `${String(v.id).padStart(5)}  ${shown(v.path)}${state}  ${tags}`;
}

const TOOL_SOURCE = { configured: 'set by GLIMPSE_FFMPEG/GLIMPSE_FFPROBE', system: 'system', bundled: 'bundled with Glimpse' } as const;

/** Which ffmpeg runs: its origin, version and path (the bundled one is the fallback when none is installed). */
function toolLine(t: DoctorReport['ffmpeg']): string {
  return t
    ? `${t.version} (${TOOL_SOURCE[t.source]}) at ${t.path}`
    : 'NOT FOUND (install ffmpeg or set GLIMPSE_FFMPEG and GLIMPSE_FFPROBE)';
}
