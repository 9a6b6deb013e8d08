/**
 * `npm run bench`: the speed benchmark (issue 10). Writes bench-output/bench.json and bench-output/bench.md (after
 * every section, so an interrupted run keeps what it measured); progress on stderr. No assertion on any time.
 *   npm run bench [-- --quick] [--only scan10,scan60,throughput,coldstart,search] [--teacher-60] [--k 10]
 *                 [--videos 100000] [--runs 10] [--data ../shared/data] [--writer-rate 2] [--keep] [--repeat 3]
 * --quick skips the 60-minute file and the teacher scans. --keep keeps the other sections of an earlier bench.json
 * (measure one section again, or sections in separate runs, and get one report). --repeat runs each student add that
 * many times and reports the median run. Every measured run is a fresh process started the way a
 * user starts it (the package's `glimpse` bin) or a helper script calling the engine's public entry points.
 * The accuracy table (paper's Table 1) is separate and slow: `npm run bench:accuracy`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../helpers/fixtures.ts';
import { openDb } from '../../main/store/db.ts';
import { type BenchResult, type CnnScaling, type SearchProbe, type ThroughputRun, renderMarkdown } from './bench-report.ts';
import { lavfi1080p } from './bench-media.ts';
import { log, percentile, round, runGlimpse, runScript } from './bench-proc.ts';
import { benchFile, CORES } from './scan-bench.ts';
import { buildLibrary } from './search-library.ts';

const SECTIONS = ['scan10', 'scan60', 'throughput', 'coldstart', 'search'] as const;
/** JSON key → section name */
const SECTION_KEYS: Record<string, string> = {
  scan10: 'scan10',
  scan60: 'scan60',
  throughput: 'throughput',
  coldStart: 'coldstart',
  search: 'search',
};
const { values: o } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'teacher-60': { type: 'boolean', default: false },
    k: { type: 'string', default: '10' },
    videos: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '10' },
    data: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data') },
    'writer-rate': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '3' },
  },
});
const only = new Set(o.only ? o.only.split(',') : SECTIONS.filter((s) => !(o.quick && s === 'scan60')));
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s} (${SECTIONS.join(', ')})`);
const k = Number(o.k);

// Every run is the compiled `glimpse` (out/cli), as a user runs it: build it from the sources first, so a bench never
// measures a build older than the code it reports on (about a second).
{
  const b = spawnSync('npm', ['run', '--silent', 'build:cli'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) throw new Error(`npm run build:cli exited ${b.status}`);
}

const outDir = path.join(PROJECT_ROOT, 'bench-output');
fs.mkdirSync(outDir, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'glimpse-bench-'));
const result: BenchResult = {
  date: new Date().toISOString(),
  machine: { cpus: CORES, node: process.version, loadavg: os.loadavg() },
  options: { ...o, sections: [...only] },
};

/**
 * Writes bench.json and bench.md. With --keep, the sections this run did not measure are kept from the existing
 * bench.json (re-read at every save, so sections measured by separate runs end up in one report).
 */
function save(): void {
  result.machine.loadavg = os.loadavg();
  const file = path.join(outDir, 'bench.json');
  let doc: BenchResult = result;
  if (o.keep && fs.existsSync(file)) {
    const old = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
    doc = {
      ...old,
      ...Object.fromEntries(Object.entries(result).filter(([key]) => !(key in SECTION_KEYS) || only.has(SECTION_KEYS[key]))),
    };
  }
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'bench.md'), renderMarkdown(doc));
}

async function section<K extends keyof BenchResult>(key: K, name: string, fn: () => Promise<BenchResult[K]>): Promise<void> {
  if (!only.has(name)) return;
  log(`section ${name}`);
  try {
    result[key] = await fn();
  } catch (e) {
    log(`section ${name} failed: ${(e as Error).message}`);
    result[key] = { error: (e as Error).message.slice(0, 2000) } as BenchResult[K];
    process.exitCode = 1;
  }
  save();
}

/** Student `glimpse add` of the real clips with `workers` CNN workers, fresh database. */
async function throughputRun(clips: string, workers: number): Promise<ThroughputRun> {
  const db = path.join(work, `throughput-${workers}.db`);
  const run = await runGlimpse(['add', clips, '--db', db, '--k', String(k), '--json'], { env: { GLIMPSE_CNN_WORKERS: String(workers) } });
  const out = JSON.parse(run.stdout || '{}') as { videos?: number; tagged?: number };
  const d = openDb(db);
  const t = (d.prepare(`SELECT min(created_at) AS a, max(created_at) AS b, count(*) AS n FROM scans WHERE kind = 'student'`).get() as {
    a: string | null;
    b: string | null;
    n: number;
  }) ?? { a: null, b: null, n: 0 };
  d.close();
  const steadyS = t.a && t.b ? (Date.parse(t.b) - Date.parse(t.a)) / 1000 : 0;
  const tagged = out.tagged ?? t.n;
  log(`throughput: ${workers} worker(s): ${tagged} videos in ${run.wallS} s`);
  return {
    workers,
    videos: out.videos ?? t.n,
    tagged,
    wallS: run.wallS,
    videosPerS: round(tagged / run.wallS, 3),
    steadyVideosPerS: steadyS > 0 ? round((t.n - 1) / steadyS, 3) : null,
    cpuS: run.usage?.cpuS ?? null,
    peakRssMB: run.usage?.peakRssMB ?? null,
  };
}

/** Search latency in a fresh process, optionally while another process writes scans into the same database. */
async function probeSearch(db: string, writerRate?: number): Promise<{ probe: SearchProbe; written: number }> {
  if (!writerRate) return { probe: (await runScript<SearchProbe>('search-probe.ts', ['--db', db])).result, written: 0 };
  const writer = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'tests/bench/search-writer.ts'), '--db', db, '--rate', String(writerRate)],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    writer.stderr.on('data', (d: Buffer) => d.toString().includes('writer ready') && resolve());
    writer.on('exit', (c) => reject(new Error(`search writer exited ${c}`)));
  });
  let probe: SearchProbe;
  try {
    probe = (await runScript<SearchProbe>('search-probe.ts', ['--db', db])).result;
  } finally {
    const closed = new Promise((r) => writer.on('close', r));
    writer.removeAllListeners('exit');
    writer.kill('SIGTERM');
    await closed;
  }
  return { probe, written: (JSON.parse(out || '{"written":0}') as { written: number }).written };
}

try {
  await section('scan10', 'scan10', async () => benchFile(await lavfi1080p(600), { k, teacher: !o.quick, repeat: Number(o.repeat) }));
  await section('scan60', 'scan60', async () =>
    benchFile(await lavfi1080p(3600), { k, teacher: !o.quick && o['teacher-60'], repeat: Number(o.repeat) }),
  );

  await section('throughput', 'throughput', async () => {
    const clips = path.join(o.data!, 'clips');
    if (!fs.existsSync(clips)) return { skipped: `data missing: ${clips}` };
    const runs = [await throughputRun(clips, 1)];
    if (CORES > 1) runs.push(await throughputRun(clips, CORES));
    const [a, b] = runs;
    log('throughput: the CNN pool alone, one worker against all');
    const cnnAlone = CORES > 1 ? (await runScript<CnnScaling>('cnn-scaling.ts', [])).result : null;
    return {
      clips,
      runs,
      speedup: b ? round(b.videosPerS / a.videosPerS) : null,
      steadySpeedup: b?.steadyVideosPerS && a.steadyVideosPerS ? round(b.steadyVideosPerS / a.steadyVideosPerS) : null,
      cnnAlone,
    };
  });

  await section('coldStart', 'coldstart', async () => {
    const db = path.join(work, 'cold.db');
    buildLibrary(db, 1000);
    const runs = Number(o.runs);
    const commands: Record<string, string[]> = {
      '--help': ['--help'],
      'search x': ['search', 'person', '--db', db],
      tags: ['tags', '--db', db],
    };
    const out: Record<string, { p50S: number; minS: number; maxS: number; cpuP50S: number | null }> = {};
    for (const [name, args] of Object.entries(commands)) {
      const ts: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Measured (the exit hook adds well under a millisecond): the CPU it burnt is what a start costs when a core
        // is free; on a loaded machine the wall time is mostly waiting for one.
        const r = await runGlimpse(args);
        if (r.code !== 0) throw new Error(`glimpse ${name} exited ${r.code}: ${r.stderrTail}`);
        ts.push(r.wallS);
        if (r.usage) cpu.push(r.usage.cpuS);
      }
      out[name] = {
        p50S: round(percentile(ts, 50), 3),
        minS: round(Math.min(...ts), 3),
        maxS: round(Math.max(...ts), 3),
        cpuP50S: cpu.length ? round(percentile(cpu, 50), 3) : null,
      };
      log(`cold start glimpse ${name}: p50 ${out[name].p50S} s wall, ${out[name].cpuP50S} CPU-s (load ${os.loadavg()[0].toFixed(1)})`);
    }
    return { runs, db: 'search and tags on a generated 1,000-video library', commands: out };
  });

  await section('search', 'search', async () => {
    const n = Number(o.videos);
    const small = path.join(work, 'search-10k.db');
    const big = path.join(work, 'search-big.db');
    log(`search: generating 10,000 and ${n} videos`);
    buildLibrary(small, Math.min(10_000, n));
    const built = buildLibrary(big, n);
    const quiet10k = (await probeSearch(small)).probe;
    const quiet = (await probeSearch(big)).probe;
    log(`search: quiet p95 ${quiet.overall.p95} ms; now while a scan writes`);
    const rate = Number(o['writer-rate']);
    const { probe: writing, written } = await probeSearch(big, rate);
    log(`search: writing p95 ${writing.overall.p95} ms (${written} scans committed meanwhile)`);
    return {
      ...built,
      writer: { ratePerS: rate, written },
      quiet10k,
      quiet,
      writing,
      rssGrowth: round(quiet.rssMB / quiet10k.rssMB),
      // the process's own memory; the rest of RSS is file pages mapped in (the memory-mapped database: OS page cache)
      anonGrowth: quiet.rss && quiet10k.rss ? round(quiet.rss.anonMB / quiet10k.rss.anonMB) : null,
    };
  });
} finally {
  save();
  fs.rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
log(`wrote ${path.join(outDir, 'bench.json')} and bench.md`);
