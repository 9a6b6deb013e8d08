#!/usr/bin/env node
// Runs every tests/**/*.test.ts through node:test + tsx. Node 20 has no test globs and silently runs 0 tests
// when given a directory, so the files are found here and passed explicitly; zero files is an error.
// Usage: node tests/run.js [substring filter...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const filters = process.argv.slice(2);

function find(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const files = find(here)
  .map((f) => path.relative(root, f))
  .sort()
  .filter((f) => !filters.length || filters.some((s) => f.includes(s)));
if (!files.length) {
  console.error(`no test files matched ${filters.join(' ') || 'tests/**/*.test.ts'}`);
  process.exit(1);
}
console.log(`running ${files.length} test files:\n  ${files.join('\n  ')}`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
