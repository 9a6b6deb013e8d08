/**
 * `node --import tsx tests/bench/keyframe-accuracy.ts [--clips ../shared/data] [--k 10] [--min-seconds 60]`:
 * the accuracy effect of keyframe seeking, in its reduced form: on every labelled clip long enough for the scan to
 * take the keyframe route (duration/k > SEEK_SECONDS_PER_FRAME, i.e. > 60 s at k = 10; `--min-seconds` lowers it to
 * look at more clips), the student's detector max-pool over k frames decoded EXACTLY at the uniform times (the old
 * route) against the keyframe-nearest frames (the new route), both scored against labels.csv (GAP@20, mAP, hit@1,
 * micro P/R at 0.5) and against each other (tag agreement). No video model: the detector's scores only, which is
 * what both routes change. Writes bench-output/keyframe-accuracy.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COCO80 } from '../../shared/coco.ts';
import { framesBySeeking, probe, type RawFrame } from '../../main/media/ffmpeg.ts';
import { keyframeTolerance, uniformTimes } from '../../main/media/sampling.ts';
import { framesNearKeyframes } from '../../main/media/strategies.ts';
import { initBackend } from '../../main/ml/backend.ts';
import { locateData, readLabelsCsv } from '../../main/ml/dataset.ts';
import { CNN_INPUT, FrameCnn } from '../../main/ml/frame-cnn.ts';
import { agreement, evaluate } from '../../main/ml/metrics.ts';
import { maxPool } from '../../main/ml/pooling.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const { values: a } = parseArgs({
  options: {
    clips: { type: 'string', default: '../shared/data' },
    k: { type: 'string', default: '10' },
    'min-seconds': { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench-output') },
  },
});
const k = Number(a.k);
const minS = a['min-seconds'] !== undefined ? Number(a['min-seconds']) : 6 * k;
const data = locateData(a.clips!);
const { labels } = readLabelsCsv(data.labelsCsv);
const log = (s: string) => process.stderr.write(`${s}\n`);

await initBackend();
const cnn = await FrameCnn.load();
const scores = async (frames: RawFrame[]) => maxPool(await Promise.all(frames.map(async (f) => (await cnn.run(f.rgb, false)).classScores)));

const rows: { file: string; durationS: number; exact: number[]; keyframe: number[]; offsetsS: number[]; truth: number[] }[] = [];
for (const [rel, label] of labels) {
  const file = path.resolve(path.dirname(data.labelsCsv), rel);
  if (!fs.existsSync(file)) continue;
  const p = await probe(file).catch(() => null);
  if (!p || p.durationS <= minS) continue;
  const times = uniformTimes(p.durationS, k);
  const exact = await framesBySeeking(file, times, CNN_INPUT);
  const near = await framesNearKeyframes(file, times, CNN_INPUT, keyframeTolerance(p.durationS, k));
  const truth = COCO80.map((c) => (label.tags.includes(c) ? 1 : 0));
  rows.push({
    file: rel,
    durationS: p.durationS,
    exact: [...(await scores(exact))],
    keyframe: [...(await scores(near))],
    offsetsS: near.map((f, i) => +(f.timeS - times[i]).toFixed(2)),
    truth,
  });
  log(`${rel}: ${p.durationS.toFixed(0)} s, keyframe offsets ${rows.at(-1)!.offsetsS.join(' ')}`);
}
const truth = rows.map((r) => r.truth);
const result = {
  k,
  minSeconds: minS,
  clips: rows.length,
  exact: evaluate(
    rows.map((r) => r.exact),
    truth,
  ),
  keyframe: evaluate(
    rows.map((r) => r.keyframe),
    truth,
  ),
  agreement: agreement(
    rows.map((r) => r.exact),
    rows.map((r) => r.keyframe),
  ),
  meanAbsOffsetS: rows.flatMap((r) => r.offsetsS.map(Math.abs)).reduce((s, x, _, all) => s + x / all.length, 0),
  perClip: rows.map(({ file, durationS, offsetsS }) => ({ file, durationS, offsetsS })),
};
fs.mkdirSync(a.out!, { recursive: true });
fs.writeFileSync(path.join(a.out!, 'keyframe-accuracy.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify({ ...result, perClip: undefined }, null, 2));
cnn.dispose();
