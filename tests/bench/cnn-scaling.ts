/**
 * How far the CNN pool alone scales on this machine (JSON on stdout): node --import tsx tests/bench/cnn-scaling.ts
 * [--frames 24] [--rounds 2]. A warm pool of one worker per core runs the same frames on one worker, then on all of
 * them, alternated `rounds` times: frames per second each way and their ratio. No decoding, no other work: it is the
 * most the pool can give a library scan here, whatever the scan does around it (two threads on two cores share
 * caches and memory, and a virtual machine's cores may share a physical core).
 */
import { parseArgs } from 'node:util';
import { CnnClient } from '../../main/ml/cnn-client.ts';
import { CNN_INPUT } from '../../main/ml/frame-cnn.ts';

const { values: o } = parseArgs({ options: { frames: { type: 'string', default: '24' }, rounds: { type: 'string', default: '2' } } });
const n = Number(o.frames);
const cnn = await CnnClient.start();
try {
  await cnn.grow();
  await cnn.warm();
  const workers = cnn.lanes();
  // a picture with structure (a blank one may take shortcuts a real frame does not)
  const frame = new Uint8Array(CNN_INPUT * CNN_INPUT * 3).map((_, i) => (i * 7919) % 251);
  /** frames per second with `lanes` workers taking turns at the n frames */
  const rate = async (lanes: typeof workers): Promise<number> => {
    let next = 0;
    const t = performance.now();
    await Promise.all(
      lanes.map(async (w) => {
        while (next < n) {
          next++;
          await w.run([frame.slice()], false);
        }
      }),
    );
    return n / ((performance.now() - t) / 1000);
  };
  const one: number[] = [],
    all: number[] = [];
  for (let r = 0; r < Number(o.rounds); r++) {
    one.push(await rate(workers.slice(0, 1)));
    all.push(await rate(workers));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      workers: workers.length,
      frames: n,
      oneFps: r3(mean(one)),
      allFps: r3(mean(all)),
      speedup: r3(mean(all) / mean(one)),
    }),
  );
} finally {
  await cnn.close();
}
