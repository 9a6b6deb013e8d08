/**
 * Cold start of the shipped `glimpse` command (bin/glimpse.js → out/cli, so run `npm run build` first):
 * `--help`, `search x` and `tags` on an empty library, each started N times as a new process. Prints JSON with
 * wall-clock and CPU seconds (user + system, from /usr/bin/time where it exists): on a shared, loaded machine
 * the CPU figure is what the code costs, the wall figure what a user waited. Target (issue 10/11): ≤ 0.5 s.
 * Usage: npm run bench:cold-start [-- runs]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'glimpse.js');
if (!fs.existsSync(path.join(root, 'out', 'cli', 'glimpse.js'))) throw new Error('out/cli is not built: run `npm run build` first');
const runs = Number(process.argv[2] ?? 10);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glimpse-cold-'));
const db = path.join(dir, 'lib.db');
const time = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function once(args: string[], nodeArgs: string[] = [bin]): { wallS: number; cpuS: number | null } {
  const cmd = [...(time ? [time, '-f', 'CPU %U %S'] : []), process.execPath, ...nodeArgs, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`glimpse ${args.join(' ')} failed: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wallS, cpuS: m ? Number(m[1]) + Number(m[2]) : null };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { min: +s[0].toFixed(3), median: +q(0.5).toFixed(3), p90: +q(0.9).toFixed(3) };
};

const summary = (rs: { wallS: number; cpuS: number | null }[]) => ({
  wallS: stats(rs.map((r) => r.wallS)),
  ...(rs[0].cpuS !== null ? { cpuS: stats(rs.map((r) => r.cpuS!)) } : {}),
});

try {
  once(['tags', '--db', db]); // creates and migrates the database: not part of a cold start
  // what an empty `node -e 0` costs on this machine right now: the floor under every figure below
  const baseline = Array.from({ length: runs }, () => once([], ['-e', '0']));
  const commands: Record<string, string[]> = { '--help': ['--help'], 'search x': ['search', 'x', '--db', db], tags: ['tags', '--db', db] };
  const out: Record<string, unknown> = {
    node: process.version,
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    loadavg1: +os.loadavg()[0].toFixed(2),
    runs,
    nodeEmpty: summary(baseline),
  };
  for (const [name, args] of Object.entries(commands)) {
    out[name] = summary(Array.from({ length: runs }, () => once(args)));
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
