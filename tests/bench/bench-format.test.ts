/**
 * The benchmark's markdown says plainly whether each target of issue 10 was met: a figure on the right side of its
 * target reads "met", on the wrong side "MISSED", and a section that did not run "not measured" (never "met").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BenchResult, renderMarkdown, targetRows } from './bench-report.ts';
import type { FileReport } from './scan-bench.ts';

const run = (wallS: number, scanS: number) => ({
  wallS,
  cpuS: wallS * 1.5,
  selfCpuS: wallS,
  childrenCpuS: wallS / 2,
  peakRssMB: 400,
  treePeakRssMB: 400,
  scan: { model: 'uniform-10+evidence', frames: 10, seconds: scanS, decodeSeconds: scanS / 2, cnnSeconds: scanS / 2, modelSeconds: 0.01 },
  otherS: wallS - scanS,
});
const floor = {
  frames: 10,
  cnnWorkers: 1,
  backend: 'wasm',
  embed: false,
  probeSeconds: 0.05,
  decodeSeconds: 2,
  decodeSecondsPerFrame: Array(10).fill(0.2),
  cnnSeconds: 2,
  seconds: 4,
};
const file = (studentWall: number, teacherWall: number | null): FileReport => ({
  file: '/tmp/glimpse-bench-media/lavfi-1080p-600s.mp4',
  durationS: 600,
  k: 10,
  student: run(studentWall, studentWall - 2),
  teacher: teacherWall === null ? { skipped: 'not requested' } : run(teacherWall, teacherWall - 2),
  studentTeacherWall: teacherWall === null ? null : studentWall / teacherWall,
  studentTeacherScan: null,
  warmAdd: { seconds: studentWall - 1.5, warmUpAddSeconds: 3 },
  floor,
  fromFloor: { studentAdd: studentWall / 4, studentScan: (studentWall - 2) / 4, teacherScan: null, warmAdd: (studentWall - 1.5) / 4 },
});
const probe = (p95: number, rssMB: number) => ({
  ms: { 'person AND NOT dog, newest first': { p50: p95 / 2, p95, max: p95 * 1.2, total: 40000 } },
  overall: { p50: p95 / 2, p95 },
  rssMB,
  peakRssMB: rssMB,
});

const sample: BenchResult = {
  date: '2026-12-02T13:00:00.000Z',
  machine: { cpus: 2, node: 'v20.20.0', loadavg: [3, 3, 3] },
  options: {},
  scan10: file(4, 100), // 4% of the teacher: met
  scan60: file(8, null), // 2× the floor: missed
  throughput: {
    clips: '../shared/data/clips',
    runs: [
      { workers: 1, videos: 28, tagged: 28, wallS: 76, videosPerS: 0.37, steadyVideosPerS: 0.4, cpuS: 90, peakRssMB: 500 },
      { workers: 2, videos: 28, tagged: 28, wallS: 50, videosPerS: 0.56, steadyVideosPerS: 0.6, cpuS: 95, peakRssMB: 700 },
    ],
    speedup: 1.51, // below 1.7: missed
    steadySpeedup: 1.5,
    cnnAlone: { workers: 2, frames: 24, oneFps: 7.5, allFps: 13.5, speedup: 1.8 },
  },
  coldStart: {
    runs: 10,
    db: 'generated',
    commands: { '--help': { p50S: 0.3, minS: 0.28, maxS: 0.4 }, 'search x': { p50S: 2.1, minS: 2, maxS: 3 } },
  },
  search: {
    videos: 100000,
    tagRows: 1_000_000,
    writer: { ratePerS: 2, written: 40 },
    quiet10k: probe(5, 100),
    quiet: probe(20, 110),
    writing: probe(30, 110),
    rssGrowth: 1.1,
  },
};

const statusOf = (rows: ReturnType<typeof targetRows>, words: string) => rows.find((r) => r.target.includes(words))?.status;

test('each target reads met or MISSED from the side of its threshold the figure is on', () => {
  const rows = targetRows(sample);
  assert.equal(statusOf(rows, '10-min'), 'met');
  assert.equal(statusOf(rows, '60-min'), 'MISSED');
  assert.equal(statusOf(rows, 'throughput'), 'MISSED');
  assert.equal(statusOf(rows, '`glimpse --help`'), 'met');
  assert.equal(statusOf(rows, '`glimpse search x`'), 'MISSED');
  assert.equal(statusOf(rows, 'search p95'), 'met');
  assert.equal(statusOf(rows, 'memory flat'), 'met');
});

test('the markdown table carries the measured figure next to its status', () => {
  const md = renderMarkdown(sample);
  assert.match(md, /\| 10-min 1080p: student add wall ≤ 5\.0% of the teacher scan's \| 4\.0% \| met \|/);
  assert.match(md, /\| 60-min 1080p: student add ≤ 1\.5× the physical floor \| 2\.00× \| MISSED \|/);
  assert.match(md, /cold start `glimpse search x` p50 ≤ 0\.5 s \| 2\.10 s \| MISSED \|/);
  // the floor is explained with what it includes and excludes
  assert.match(md, /Physical floor.*excludes process start/);
  // the warm engine's add is its own figure, next to the CLI's, against the same floor
  assert.match(md, /student add 2\.00×, student scan 1\.50×, the same add in a running engine 1\.63×/);
  assert.match(md, /In a running engine.*: \*\*6\.50 s\*\*/);
  // the CPU floor: an add that used 12 CPU-s on 2 cores cannot end in under 6 s, 1.5× this floor of 4 s
  assert.match(md, /The student add used 12\.00 CPU-s: on 2 cores it cannot end in under 6\.00 s \(1\.50× the floor\)/);
  // and the throughput ceiling: 95 CPU-s on 2 cores ≥ 47.5 s, against one worker's 76 s at most 1.6×
  assert.match(md, /The 2-worker run used 95 CPU-s .* cannot end in under 48 s, .* no scheduling gives more than 1\.60×/);
  // and what the CNN pool alone gives on this machine: the scan's speed-up can only be lower
  assert.match(md, /The CNN pool alone .* 2 workers run 13\.50 frames\/s, one worker 7\.50 frames\/s: \*\*1\.80×\*\*/);
});

test('a section that failed or did not run is "not measured", never "met"', () => {
  const partial: BenchResult = {
    ...sample,
    scan10: { error: 'ffmpeg exited 1' },
    scan60: undefined,
    search: { error: 'disk full' },
    coldStart: undefined,
  };
  const rows = targetRows(partial);
  assert.equal(statusOf(rows, '10-min'), 'not measured');
  assert.equal(statusOf(rows, '60-min'), 'not measured');
  assert.equal(statusOf(rows, 'search p95'), 'not measured');
  assert.equal(statusOf(rows, '`glimpse --help`'), 'not measured');
  assert.match(renderMarkdown(partial), /Not measured: ffmpeg exited 1/);
});

test('a search p95 at or above 50 ms while writing is a miss even when the quiet run met it', () => {
  const search = sample.search && 'writing' in sample.search ? sample.search : assert.fail('sample has search');
  const slow: BenchResult = { ...sample, search: { ...search, writing: probe(50, 110) } };
  assert.equal(statusOf(targetRows(slow), 'search p95'), 'MISSED');
});
