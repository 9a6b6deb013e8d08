/** The headless face: every command maps onto the engine's API; `--json` prints exactly the API's result. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { JobInfo, VideoSummary } from '../../shared/api.ts';
import { defaultDbPath } from '../core/paths.ts';
import { Engine } from '../engine/engine.ts';
import { toApiError } from '../engine/errors.ts';
import { startServer } from '../server/server.ts';
import { ProgressPrinter } from './progress.ts';

const USAGE = `glimpse — tag a video library by content (student on a few frames, teacher on all)

Usage: glimpse <command> [options]

Commands:
  add <folder> [--no-scan]     add a library root, index it and tag it with the student (k frames/video)
  search <tag> [--query TEXT]  videos carrying a tag
  videos [--query TEXT]        all videos (with --query: path contains TEXT)
  show <id>                    one video: tags, scans and the frames the student looked at
  tags                         tag → number of videos
  scan --student|--teacher [ID...]   scan all (or the given) videos again
  roots list | roots add <folder> | roots remove <folder>
  jobs                         the job queue (this process, then recorded runs of earlier ones)
  rescan [--no-scan]           re-walk every root: only new/changed files cost anything; then scan pending
  errors                       files that could not be used, with their error
  prune                        forget videos whose files are missing
  doctor                       backend, ffmpeg, model files, database path
  serve [--port N]             browser mode: the app on http://127.0.0.1 with a per-run token
  export --format csv|json [--out FILE]   every video's tags (human edits win); stdout without --out

Options:
  --db PATH     database file (default: ${defaultDbPath()}; env GLIMPSE_DB)
  --k N         frames the student looks at per video (default 10)
  --json        machine-readable output
  -h, --help    this text
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        db: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
        k: { type: 'string' }, port: { type: 'string' }, query: { type: 'string' }, 'no-scan': { type: 'boolean', default: false },
        student: { type: 'boolean', default: false }, teacher: { type: 'boolean', default: false }, 'no-open': { type: 'boolean', default: false },
        format: { type: 'string' }, out: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`glimpse: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: o, positionals: [cmd, ...args] } = parsed;
  if (o.help || !cmd) { process.stdout.write(USAGE); return cmd || o.help ? 0 : 2; }

  const k = o.k !== undefined ? Number(o.k) : undefined;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= 300)) return fail('--k must be an integer from 1 to 300', 2);
  const engine = new Engine({ dbPath: o.db ?? defaultDbPath(), scan: k ? { k } : undefined });
  const out = (value: unknown, text: () => string) => process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
  const waitJob = async (jobId: string | null): Promise<JobInfo | null> => {
    if (!jobId) return null;
    const bar = new ProgressPrinter(process.stderr, o.json);
    const onEvent = (e: { type: string; job?: JobInfo }) => { if (e.type === 'job' && e.job?.id === jobId) bar.update(e.job); };
    engine.events.on('event', onEvent);
    const stop = () => engine.jobs.cancel(jobId);
    process.once('SIGINT', stop);
    const job = await engine.jobs.wait(jobId);
    process.off('SIGINT', stop);
    engine.events.off('event', onEvent);
    bar.end();
    return job;
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
        const { videos } = await engine.call('library.videos', { limit: 100_000 });
        const mine = videos.filter((v) => v.path.startsWith(root.path + path.sep));
        const errors = mine.filter((v) => v.status === 'error');
        out({ root, job, videos: mine.length, tagged: mine.filter((v) => v.status === 'ok').length, errors: errors.map((v) => ({ path: v.path, error: v.error })) },
          () => [`${root.path}: ${mine.length} videos, ${mine.filter((v) => v.status === 'ok').length} tagged, ${errors.length} errors`,
            ...errors.map((v) => `  error: ${v.path}: ${v.error}`)].join('\n'));
        return job && job.state !== 'done' ? 1 : 0;
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
        out(v, () => [videoLine(v), ...v.scans.map((s) => `  scan ${s.kind} ${s.model}: ${s.frames} frames, ${s.seconds.toFixed(2)} s`),
          ...v.frames.map((f) => `  ${f.timeS.toFixed(2)}s ${f.detections.map((d) => `${d.tag} ${d.score.toFixed(2)}`).join(', ')}`)].join('\n'));
        return 0;
      }
      case 'tags': {
        const r = await engine.call('library.tags', {});
        out(r, () => r.map((t) => `${String(t.count).padStart(6)}  ${t.tag}`).join('\n') || '(no tags yet)');
        return 0;
      }
      case 'scan': {
        if (o.student === o.teacher) return fail('choose one of --student or --teacher', 2);
        const ids = args.map(Number);
        const { jobId } = await engine.call('scan.start', { kind: o.teacher ? 'teacher' : 'student', videoIds: ids.length ? ids : undefined });
        const job = await waitJob(jobId);
        out(job, () => `scan ${job?.state}: ${job?.done}/${job?.total}`);
        return job?.state === 'done' ? 0 : 1;
      }
      case 'jobs': {
        const r = await engine.call('jobs.list', {});
        out(r, () => r.map((j) => `${j.id} ${j.kind} ${j.state} ${j.done}/${j.total}`).join('\n') || '(no jobs in this process)');
        return 0;
      }
      case 'rescan': {
        const { jobId } = await engine.call('library.rescan', { scan: !o['no-scan'] });
        const job = await waitJob(jobId);
        out(job, () => `rescan ${job?.state}: ${job?.message}`);
        return job?.state === 'done' ? 0 : 1;
      }
      case 'errors': {
        const r = await engine.call('library.errors', {});
        out(r, () => r.map((e) => `${e.path}\t${e.error}`).join('\n') || '(no errors)');
        return 0;
      }
      case 'prune': {
        const r = await engine.call('library.prune', {});
        out(r, () => `forgot ${r.pruned} missing video${r.pruned === 1 ? '' : 's'}${r.paths.map((p) => `\n  ${p}`).join('')}`);
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
        out(r, () => [
          `glimpse ${r.version} on node ${r.node}`,
          `backend:  ${r.backend.name} — ${r.backend.reason}`,
          ...r.backend.tried.filter((t) => !t.ok).map((t) => `          (${t.name} unavailable: ${t.error})`),
          `ffmpeg:   ${r.ffmpeg ? `${r.ffmpeg.version} at ${r.ffmpeg.path}` : 'NOT FOUND'}`,
          `ffprobe:  ${r.ffprobe ? `${r.ffprobe.version} at ${r.ffprobe.path}` : 'NOT FOUND'}`,
          ...r.models.map((m) => `model:    ${m.found ? 'ok     ' : 'MISSING'} ${m.name} (${m.file})`),
          `database: ${r.dbPath}`, `cache:    ${r.cacheDir}`,
        ].join('\n'));
        return r.ffmpeg && r.ffprobe && r.models.every((m) => m.found) && r.backend.name !== 'none' ? 0 : 1;
      }
      case 'serve': {
        const port = o.port !== undefined ? Number(o.port) : 0;
        const server = await startServer(engine, { port });
        out({ url: server.url, token: server.token }, () => `Glimpse is running at ${server.url}\n(press Ctrl+C to stop)`);
        await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
        await server.close();
        return 0;
      }
      default:
        return fail(`unknown command: ${cmd}\n\n${USAGE}`, 2);
    }
  } catch (e) {
    const err = toApiError(e);
    if (o.json) process.stdout.write(`${JSON.stringify(err)}\n`);
    return fail(err.error, err.code === 'invalid' ? 2 : 1);
  } finally {
    await engine.close();
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`glimpse: ${message}\n`);
  return code;
}

function videoLine(v: VideoSummary): string {
  const tags = v.tags.map((t) => `${t.tag}:${t.score.toFixed(2)}`).join(' ');
  const state = v.status === 'ok' ? '' : ` [${v.status}${v.error ? `: ${v.error}` : ''}]`;
  return `${String(v.id).padStart(5)}  ${v.path}${state}  ${tags}`;
}
