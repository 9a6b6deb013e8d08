/**
 * A scan writing into a library from another process, for the search benchmark: every 1/rate seconds one video's
 * student scan (k frames of class scores, its tags) is committed through ScansRepo.saveScan, the transaction a real
 * scan makes. Runs until SIGTERM, then prints {"written": n} on stdout.
 *   node --import tsx tests/bench/search-writer.ts --db F [--rate 5] [--k 10]
 */
import { parseArgs } from 'node:util';
import { COCO80 } from '../../shared/coco.ts';
import { openDb } from '../../main/store/db.ts';
import { ScansRepo } from '../../main/store/scans-repo.ts';

const { values: o } = parseArgs({
  options: { db: { type: 'string' }, rate: { type: 'string', default: '5' }, k: { type: 'string', default: '10' } },
});
const db = openDb(o.db!);
const scans = new ScansRepo(db);
const n = (db.prepare('SELECT max(id) AS n FROM videos').get() as { n: number }).n;
const k = Number(o.k);
let written = 0;
let seed = 7;
const r = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;

const timer = setInterval(
  () => {
    const videoId = 1 + Math.floor(r() * n);
    const frames = Array.from({ length: k }, (_, i) => ({
      timeS: i * 6,
      embedding: new Float32Array(0),
      classScores: Float32Array.from({ length: 80 }, () => r() * r()),
    }));
    const tags = COCO80.filter(() => r() < 0.08).map((tag) => ({ tag, score: Math.round(r() * 1e4) / 1e4 }));
    scans.saveScan({ videoId, kind: 'student', model: 'uniform-10+bench', seconds: 1, decodeSeconds: 0.5, cnnSeconds: 0.5, frames, tags });
    written++;
  },
  1000 / Number(o.rate),
);

process.on('SIGTERM', () => {
  clearInterval(timer);
  db.close();
  process.stdout.write(`${JSON.stringify({ written })}\n`);
  process.exit(0);
});
process.stderr.write('writer ready\n');
