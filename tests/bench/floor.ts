/**
 * The physical floor of a student scan, measured alone (JSON on stdout):
 *   node --import tsx tests/bench/floor.ts --file F --times 1.5,4.5,... [--embed]
 * Decoding exactly the given frames, each with the cheapest ffmpeg call that yields that exact frame (input seek to
 * it: ffmpeg decodes from the keyframe before it, nothing after), two at a time (both cores), then the k frames
 * through an already-warm CnnClient (the same pool and call a scan uses). When the frames are keyframes, the scan's
 * grouped keyframe route (measured alone too) is cheaper than one process per frame, and the floor's decode is the
 * cheaper of the two. Excluded: process start, model loading and warm-up, the probe
 * (measured apart), the poster, the database. The probe is reported separately: a scan cannot skip it.
 */
import { parseArgs } from 'node:util';
import { CnnClient } from '../../main/ml/cnn-client.ts';
import { CNN_INPUT } from '../../main/ml/frame-cnn.ts';
import { fitSquare, keyframesAtOrBefore, probe, runFfmpeg } from '../../main/media/ffmpeg.ts';

const { values: o } = parseArgs({
  options: { file: { type: 'string' }, times: { type: 'string' }, embed: { type: 'boolean', default: false } },
});
const file = o.file!;
const times = o.times!.split(',').map(Number);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const cnn = await CnnClient.start();
await cnn.grow(); // the floor uses every worker the machine has
try {
  const blank = new Uint8Array(CNN_INPUT * CNN_INPUT * 3);
  await cnn.run(
    Array.from({ length: times.length }, () => blank),
    { embed: o.embed },
  ); // warm: every worker has run its graphs once

  let t = performance.now();
  await probe(file);
  const probeS = (performance.now() - t) / 1000;

  const bytes = CNN_INPUT * CNN_INPUT * 3;
  const perFrame: number[] = new Array(times.length);
  const frames: Uint8Array[] = new Array(times.length);
  t = performance.now();
  // Two decodes at a time, as the scan does (each is one core's work): the floor is what this machine can do at best.
  let next = 0;
  const lane = async () => {
    while (next < times.length) await decodeOne(next++);
  };
  await Promise.all([lane(), lane()]);
  const decodeS = (performance.now() - t) / 1000;

  async function decodeOne(i: number): Promise<void> {
    const at = times[i];
    const t1 = performance.now();
    const { stdout } = await runFfmpeg(
      [
        '-ss',
        at.toFixed(3),
        '-i',
        file,
        '-an',
        '-sn',
        '-frames:v',
        '1',
        '-vf',
        fitSquare(CNN_INPUT),
        '-pix_fmt',
        'rgb24',
        '-f',
        'rawvideo',
        'pipe:1',
      ],
      { file, timeoutMs: 300_000 },
    );
    if (stdout.length < bytes) throw new Error(`no frame at ${at} s`);
    frames[i] = new Uint8Array(stdout.buffer, stdout.byteOffset, bytes);
    perFrame[i] = (performance.now() - t1) / 1000;
  }

  // The same frames by the scan's own keyframe route measured alone (several seeks per ffmpeg, two ffmpegs at a time):
  // when the frames are keyframes this is cheaper than one process per frame, and the floor takes the cheaper of the
  // two, so a scan is never measured against a floor it beats.
  t = performance.now();
  const viaKeyframes = await keyframesAtOrBefore(file, times, CNN_INPUT);
  const keyframeRouteS = (performance.now() - t) / 1000;
  const sameFrames = viaKeyframes.every((f, i) => f && Math.abs(f.timeS - times[i]) < 0.001);
  const floorDecodeS = sameFrames ? Math.min(decodeS, keyframeRouteS) : decodeS;

  t = performance.now();
  await cnn.run(frames, { embed: o.embed });
  const cnnS = (performance.now() - t) / 1000;

  process.stdout.write(
    `${JSON.stringify({
      frames: times.length,
      cnnWorkers: cnn.size,
      backend: cnn.backend.name,
      embed: o.embed,
      probeSeconds: r3(probeS),
      decodeSeconds: r3(floorDecodeS),
      decodeRoute: floorDecodeS < decodeS ? 'keyframe groups' : 'one seek per frame',
      perFrameRouteSeconds: r3(decodeS),
      keyframeRouteSeconds: sameFrames ? r3(keyframeRouteS) : null,
      decodeSecondsPerFrame: perFrame.map(r3),
      cnnSeconds: r3(cnnS),
      seconds: r3(floorDecodeS + cnnS),
    })}\n`,
  );
} finally {
  await cnn.close();
}
