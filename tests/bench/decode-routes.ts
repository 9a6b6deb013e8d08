/**
 * `node --import tsx tests/bench/decode-routes.ts [files…]`: seconds to fetch a student's k uniform frames from
 * long videos by each ffmpeg route — accurate seek per frame (the old route), keyframe seek per frame (the scan's
 * route now, with its fallback), one keyframes-only pass — and how far the keyframes land from the uniform times.
 * Default file: the generated 10-min 1080p in /tmp/glimpse-bench-media (made by `npm run bench`). Wall and CPU
 * seconds of this process's children; no assertions (the machine is shared).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { framesBySeeking, probe, runFfmpeg } from '../../main/media/ffmpeg.ts';
import { keyframeTolerance, uniformTimes } from '../../main/media/sampling.ts';
import { framesNearKeyframes } from '../../main/media/strategies.ts';
import { CNN_INPUT } from '../../main/ml/frame-cnn.ts';

const { values: a, positionals } = parseArgs({ options: { k: { type: 'string', default: '10' } }, allowPositionals: true });
const k = Number(a.k);
const files = positionals.length ? positionals : ['/tmp/glimpse-bench-media/lavfi-1080p-600s.mp4'];

/** CPU seconds of the ffmpeg children that finished (cutime + cstime of /proc/self/stat, in 1/100 s ticks). */
function childCpu(): number {
  const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = childCpu(),
    t0 = performance.now();
  const value = await f();
  return { value, wall: (performance.now() - t0) / 1000, cpu: childCpu() - c0 };
}

for (const file of files) {
  const p = await probe(file);
  const times = uniformTimes(p.durationS, k);
  const tol = keyframeTolerance(p.durationS, k);
  const exact = await timed(() => framesBySeeking(file, times, CNN_INPUT));
  const kf = await timed(() => framesNearKeyframes(file, times, CNN_INPUT, tol));
  const pass = await timed(() =>
    runFfmpeg(['-skip_frame', 'nokey', '-i', file, '-an', '-sn', '-vf', 'showinfo', '-f', 'null', '-'], {
      file,
      timeoutMs: 600_000,
      stdout: 'ignore',
    }),
  );
  const offsets = kf.value.map((f, i) => +(f.timeS - times[i]).toFixed(2));
  console.log(
    JSON.stringify({
      file,
      durationS: +p.durationS.toFixed(1),
      k,
      accurateSeek: { wallS: +exact.wall.toFixed(2), cpuS: +exact.cpu.toFixed(2) },
      keyframeSeek: {
        wallS: +kf.wall.toFixed(2),
        cpuS: +kf.cpu.toFixed(2),
        keyframeFrames: kf.value.filter((f) => f.keyframe).length,
        frames: kf.value.length,
        offsetsS: offsets,
      },
      keyframesOnlyPass: { wallS: +pass.wall.toFixed(2), cpuS: +pass.cpu.toFixed(2) },
    }),
  );
}
