// What running the engine in its own process costs the UI: start-up (fork → engine open → ready) and the round
// trip of a call through the host protocol versus a direct in-process Engine.call, on a seeded library of 10,000
// videos. Prints JSON; no assertions on times (the machine is shared). Usage: node --import tsx tests/bench/host-latency.ts
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine } from '../../main/engine/engine.ts';
import { EngineHostClient } from '../../main/host/host-client.ts';
import { forkNodeHost } from '../../main/host/node-launcher.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { seed } from '../server/seed.ts';

const N = Number(process.env.HOST_BENCH_VIDEOS ?? 10_000);
const ROUNDS = 300;
const dir = tempDir('glimpse-host-bench-');
const db = path.join(dir, 'lib.db');
new Engine({ dbPath: db }).close(); // migrations
const tags = ['person', 'dog', 'car', 'cat', 'boat'];
seed(
  db,
  '/videos',
  Array.from({ length: N }, (_, i) => ({
    path: `/videos/clip ${i}.mp4`,
    status: 'ok' as const,
    tags: [[tags[i % 5], 0.8] as [string, number]],
  })),
);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { p50: +pct(ms, 50).toFixed(3), p95: +pct(ms, 95).toFixed(3) };
}

const t0 = performance.now();
const host = new EngineHostClient({ launch: forkNodeHost, init: { dbPath: db } });
await host.start();
const startMs = performance.now() - t0;
const engine = new Engine({ dbPath: db });
const calls = {
  'library.roots': {} as const,
  'library.search (tag:person AND NOT tag:dog, 100 rows)': { q: 'tag:person AND NOT tag:dog', limit: 100 },
};
const result: Record<string, unknown> = { videos: N, rounds: ROUNDS, hostStartMs: Math.round(startMs) };
for (const [label, req] of Object.entries(calls)) {
  const channel = label.split(' ')[0] as 'library.roots' | 'library.search';
  result[label] = { inProcessMs: await time(() => engine.call(channel, req)), viaHostMs: await time(() => host.call(channel, req)) };
}
console.log(JSON.stringify(result, null, 2));
await host.close();
await engine.close();
fs.rmSync(dir, { recursive: true, force: true });
