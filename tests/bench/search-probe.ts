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

/** The cursor the grid holds when scrolling reaches page `page` of `q` (it follows each page's `next`). */
async function cursorAt(q: Search, page: number): Promise<Search> {
  let cursor: string | undefined;
  for (let p = 1; p < page; p++) {
    const next = (await engine.call('library.search', { limit: 100, ...q, cursor })).next;
    if (!next) break; // a smaller library has fewer pages: its last one
    cursor = next;
  }
  return { ...q, cursor };
}

const QUERIES: Record<string, Search | (() => Promise<Search>)> = {
  'person AND NOT dog, newest first': { q: 'tag:person -tag:dog', sort: 'date', dir: 'desc' },
  'dog AND NOT person, newest first': { q: 'tag:dog -tag:person', sort: 'date', dir: 'desc' },
  'car AND NOT cat, by name': { q: 'tag:car -tag:cat', sort: 'name', dir: 'asc' },
  'free text "folder 17", newest first': { q: '"folder 17"', sort: 'date', dir: 'desc' },
  'person, page 50 (offset 4900), newest first': { q: 'tag:person', sort: 'date', dir: 'desc', offset: 4900 },
  // what the grid asks when scrolling: the page after the one it has, by cursor
  'person, page 50 (cursor), newest first': () => cursorAt({ q: 'tag:person', sort: 'date', dir: 'desc' }, 50),
  'everything, by duration, page 10': { q: '', sort: 'duration', dir: 'desc', offset: 900 },
  'everything, by duration, page 10 (cursor)': () => cursorAt({ q: '', sort: 'duration', dir: 'desc' }, 10),
  // what the grid asks first when it opens: the first page with the tag counts of the whole library
  'everything, first page with tag counts': { q: '', sort: 'name', dir: 'asc', facets: true },
};

/** This process's resident memory by kind (Linux): its own (heap, stacks) and file pages mapped in (SQLite's mmap). */
function rssKinds(): { anonMB: number; fileMB: number } | null {
  try {
    const st = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? NaN);
    return { anonMB: r2(kb('RssAnon') / 1024), fileMB: r2(kb('RssFile') / 1024) };
  } catch {
    return null;
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const r2 = (x: number) => Math.round(x * 100) / 100;
const ms: Record<string, { p50: number; p95: number; max: number; cpuP50: number; total: number }> = {};
const all: number[] = [];
try {
  for (const [name, q] of Object.entries(QUERIES)) {
    const req: Search = { limit: 100, ...(typeof q === 'function' ? await q() : q) };
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
      rss: rssKinds(),
      peakRssMB: r2(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
} finally {
  await engine.close();
  fs.rmSync(cache, { recursive: true, force: true });
}
