/**
 * Merges accuracy reports run over different columns with the same recipe and folds (the full table is two
 * hours of CPU on one core; two processes on two cores halve that):
 *   node --import tsx tests/bench/accuracy-merge.ts OUT_DIR IN_DIR1 IN_DIR2 ...
 * writes OUT_DIR/accuracy.json and OUT_DIR/accuracy.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AccuracyReport, mergeReports, reportMarkdown } from './accuracy-lib.ts';

const [out, ...ins] = process.argv.slice(2);
if (!out || ins.length < 1) throw new Error('usage: accuracy-merge.ts OUT_DIR IN_DIR...');
const parts = ins.map(
  (d) =>
    JSON.parse(fs.readFileSync(path.join(d, 'accuracy.json'), 'utf8')) as AccuracyReport & {
      complete: boolean;
      command: string;
      mainFamilyName: string;
    },
);
for (const [i, p] of parts.entries()) if (!p.complete) process.stderr.write(`warning: ${ins[i]} is incomplete\n`);
const merged = mergeReports(parts, `${parts[0].mainFamilyName} teacher`);
merged.command = parts.map((p) => p.command).join(' + ');
fs.mkdirSync(out, { recursive: true });
const md = reportMarkdown(merged);
const pooled = Object.assign({}, ...parts.map((p) => (p as { pooled?: object }).pooled ?? {}));
fs.writeFileSync(
  path.join(out, 'accuracy.json'),
  `${JSON.stringify({ ...merged, pooled, mergedFrom: parts.map((p) => p.command) }, null, 2)}\n`,
);
fs.writeFileSync(path.join(out, 'accuracy.md'), md);
process.stdout.write(md);
