/**
 * How the benchmark runs what it measures: the `glimpse` command as a user starts it (the package's `bin`, so the
 * compiled CLI is measured once it ships), each run in its own process with its wall time, CPU seconds (its own
 * and its ffmpeg children's) and peak memory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../helpers/fixtures.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** The `glimpse` entry point named by package.json's `bin`, absolute. */
export function glimpseBin(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.glimpse;
  return path.resolve(PROJECT_ROOT, bin);
}

/** Percentile (nearest rank) of `xs`; NaN when empty. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export interface Usage {
  /** CPU seconds of the process itself (all its threads: CNN workers included) */
  selfCpuS: number;
  /** CPU seconds of the children it waited for (ffmpeg, ffprobe) */
  childrenCpuS: number | null;
  cpuS: number;
  /** peak RSS of the process itself */
  peakRssMB: number;
  /** peak RSS of the largest process in its tree (ffmpeg included), from /usr/bin/time when installed */
  treePeakRssMB: number | null;
}

export interface Measured {
  wallS: number;
  code: number | null;
  usage: Usage | null;
  stderrTail: string;
  stdout: string;
}

const TIME = '/usr/bin/time';

/**
 * Runs `node [--import rusage-probe] <script> ...args`, measured. With `measure: false` nothing is added to the
 * command line (for cold-start timing, where the probe itself would be part of what is measured).
 */
export function runNode(
  script: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; measure?: boolean; nodeArgs?: string[] } = {},
): Promise<Measured> {
  const measure = o.measure ?? true;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'glimpse-bench-ru-'));
  const ruFile = path.join(tmp, 'self.json');
  const timeFile = path.join(tmp, 'time.txt');
  const nodeArgv = [...(measure ? ['--import', path.join(here, 'rusage-probe.js')] : []), ...(o.nodeArgs ?? []), script, ...args];
  const useTime = measure && fs.existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-o', timeFile, '-f', '%M', process.execPath, ...nodeArgv]] : [process.execPath, nodeArgv];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...o.env, GLIMPSE_BENCH_RUSAGE: ruFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      let usage: Usage | null = null;
      try {
        const r = JSON.parse(fs.readFileSync(ruFile, 'utf8')) as {
          userS: number;
          systemS: number;
          maxRssMB: number;
          childrenUserS: number | null;
          childrenSystemS: number | null;
        };
        const childrenCpuS = r.childrenUserS === null ? null : r.childrenUserS + (r.childrenSystemS ?? 0);
        let treePeakRssMB: number | null = null;
        if (useTime) {
          const kb = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
          if (kb > 0) treePeakRssMB = round(kb / 1024, 1);
        }
        usage = {
          selfCpuS: round(r.userS + r.systemS),
          childrenCpuS: childrenCpuS === null ? null : round(childrenCpuS),
          cpuS: round(r.userS + r.systemS + (childrenCpuS ?? 0)),
          peakRssMB: round(r.maxRssMB, 1),
          treePeakRssMB,
        };
      } catch {
        /* the process died before its exit hook: no usage */
      }
      fs.rmSync(tmp, { recursive: true, force: true });
      resolve({ wallS: round(wallS, 3), code, usage, stderrTail: stderr.slice(-1500), stdout });
    });
  });
}

/** The `glimpse` CLI with `args`, measured. */
export function runGlimpse(args: string[], o: { env?: NodeJS.ProcessEnv; measure?: boolean } = {}): Promise<Measured> {
  return runNode(glimpseBin(), args, o);
}

/** A TypeScript bench helper script (tests/bench/*.ts) in its own process, through tsx. */
export async function runScript<T>(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ result: T; run: Measured }> {
  const run = await runNode(path.join(here, file), args, { env, nodeArgs: ['--import', 'tsx'] });
  if (run.code !== 0) throw new Error(`${file} exited ${run.code}: ${run.stderrTail}`);
  return { result: JSON.parse(run.stdout) as T, run };
}
