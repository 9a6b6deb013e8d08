/**
 * `npm run bench`: every performance benchmark, one JSON document on stdout (also written to
 * bench-output/bench.json). Each benchmark is its own script printing JSON, run in a fresh process so that one's
 * model warm-up or memory never skews another. Extra arguments are passed to every benchmark.
 * The accuracy table (paper's Table 1) is separate and slow: `npm run bench:accuracy`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/fixtures.ts';

const benches = { library: 'tests/bench/library-bench.ts' };
const out: Record<string, unknown> = { date: new Date().toISOString() };
let failed = false;
for (const [name, file] of Object.entries(benches)) {
  process.stderr.write(`bench ${name}...\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...process.argv.slice(2)], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  try {
    out[name] = JSON.parse(r.stdout);
  } catch {
    out[name] = { error: `exit ${r.status}`, stdout: r.stdout.slice(-2000) };
    failed = true;
  }
}
const dir = path.join(PROJECT_ROOT, 'bench-output');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'bench.json'), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
