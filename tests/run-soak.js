#!/usr/bin/env node
// `npm run soak`: the kill storm of tests/reliability/kill-storm.test.ts, much longer (SOAK_KILLS, default 200).
// Not a *.test.ts file, so `npm test` / CI never run it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const kills = process.env.SOAK_KILLS ?? '200';
console.log(`soak: ${kills} SIGKILLs (SOAK_KILLS) during add, teacher scan and tag edits`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', 'tests/reliability/kill-storm.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, KILL_STORM_KILLS: kills },
});
process.exit(r.status ?? 1);
