/**
 * Synthetic frame features for the distillation test: each class is an event (a prototype vector with a
 * Gaussian bump in time) at a random position, on top of noise. A student seeing k ≪ T uniform frames only
 * catches the weak tails of most events, so the teacher (which sees the peaks) knows more than the student's
 * frames show.
 */
import { makeRng } from '../../main/ml/rng.ts';

export interface SyntheticOptions {
  videos: number;
  frames: number;
  dim: number;
  classes: number;
  seed: number;
  width?: number;
  amp?: number;
  noise?: number;
  pPresent?: number;
}

export function syntheticVideos(o: SyntheticOptions): { features: Float32Array[][]; labels: number[][] } {
  const proto = makeRng(1234); // prototypes are shared by every split
  const protos = Array.from({ length: o.classes }, () => Float32Array.from({ length: o.dim }, () => proto.normal()));
  const rng = makeRng(o.seed);
  const width = o.width ?? 2,
    amp = o.amp ?? 1.5,
    noise = o.noise ?? 1,
    pPresent = o.pPresent ?? 0.35;
  const features: Float32Array[][] = [],
    labels: number[][] = [];
  for (let v = 0; v < o.videos; v++) {
    const y = Array.from({ length: o.classes }, () => (rng.next() < pPresent ? 1 : 0));
    if (!y.some((x) => x)) y[rng.int(o.classes)] = 1;
    const centres = y.map(() => rng.next() * o.frames);
    const frames = Array.from({ length: o.frames }, (_, t) => {
      const f = Float32Array.from({ length: o.dim }, () => rng.normal() * noise);
      y.forEach((on, c) => {
        if (!on) return;
        const a = amp * Math.exp(-((t - centres[c]) ** 2) / (2 * width * width));
        for (let d = 0; d < o.dim; d++) f[d] += a * protos[c][d];
      });
      return f;
    });
    features.push(frames);
    labels.push(y);
  }
  return { features, labels };
}
