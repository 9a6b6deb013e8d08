/**
 * Search latency through the engine's search channel (what the UI and `glimpse search` call), in a fresh process:
 * each query once to warm, then `runs` times; p50/p95/max in ms, and this process's RSS afterwards (JSON on stdout).
 *   node --import tsx tests/bench/search-probe.ts --db F [--runs 40]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RequestOf } from '../../shared/api.ts';
import { Engine } from '../../main/engine/engine.ts';

const { values: o } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string', default: '40' } } });
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'glimpse-bench-search-'));
const engine = new Engine({ dbPath: o.db!, cacheDir: cache, dataDir: cache });
type Search = RequestOf<'library.search'>;

const QUERIES: Record<string, Search> = {
  'person AND NOT dog, newest first': { q: 'tag:person -tag:dog', sort: 'date', dir: 'desc' },
  'dog AND NOT person, newest first': { q: 'tag:dog -tag:person', sort: 'date', dir: 'desc' },
  'car AND NOT cat, by name': { q: 'tag:car -tag:cat', sort: 'name', dir: 'asc' },
  'free text "folder 17", newest first': { q: '"folder 17"', sort: 'date', dir: 'desc' },
  'person, page 50 (offset 4900), newest first': { q: 'tag:person', sort: 'date', dir: 'desc', offset: 4900 },
  'everything, by duration, page 10': { q: '', sort: 'duration', dir: 'desc', offset: 900 },
};

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const r2 = (x: number) => Math.round(x * 100) / 100;
const ms: Record<string, { p50: number; p95: number; max: number; cpuP50: number; total: number }> = {};
const all: number[] = [];
try {
  for (const [name, q] of Object.entries(QUERIES)) {
    const req: Search = { limit: 100, ...q };
    const first = await engine.call('library.search', req);
    const ts: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < Number(o.runs); i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await engine.call('library.search', req);
      ts.push(performance.now() - t);
      // CPU of the search itself (SQLite runs synchronously on this thread): what it costs when a core is free
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
    }
    all.push(...ts);
    ms[name] = { p50: r2(pct(ts, 50)), p95: r2(pct(ts, 95)), max: r2(Math.max(...ts)), cpuP50: r2(pct(cpu, 50)), total: first.total };
  }
  process.stdout.write(
    `${JSON.stringify({
      ms,
      overall: { p50: r2(pct(all, 50)), p95: r2(pct(all, 95)) },
      rssMB: r2(process.memoryUsage().rss / 2 ** 20),
      peakRssMB: r2(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
} finally {
  await engine.close();
  fs.rmSync(cache, { recursive: true, force: true });
}
