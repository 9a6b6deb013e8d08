/**
 * Which k of a video's n frames the student sees: the paper's uniform every-j-th sampling and its baselines.
 * Indices are sorted and distinct; when k ≥ n every frame is used.
 */
import { uniformIndices } from '../../media/sampling.ts';
import type { Rng } from '../rng.ts';
import type { Strategy } from '../video/model.ts';

export type { Strategy };
export const STRATEGIES: Strategy[] = ['uniform', 'random', 'first', 'middle', 'last', 'fml'];

const range = (start: number, len: number): number[] => Array.from({ length: len }, (_, i) => start + i);

export function selectFrames(n: number, k: number, strategy: Strategy, rng?: Rng): number[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (k >= n) return range(0, n);
  switch (strategy) {
    case 'uniform': // the one definition: media/sampling.ts (segment centres)
      return uniformIndices(n, k);
    case 'random': {
      if (!rng) throw new Error("strategy 'random' needs an rng (determinism)");
      return rng
        .shuffle(range(0, n))
        .slice(0, k)
        .sort((a, b) => a - b);
    }
    case 'first':
      return range(0, k);
    case 'last':
      return range(n - k, k);
    case 'middle':
      return range(Math.floor((n - k) / 2), k);
    case 'fml': {
      // the paper does not give the split; we take ~k/3 contiguous frames at the start, centre and end
      const f = Math.round(k / 3),
        l = Math.round(k / 3),
        m = k - f - l;
      const mid = Math.min(Math.max(Math.floor((n - m) / 2), f), n - l - m);
      return [...range(0, f), ...range(mid, m), ...range(n - l, l)];
    }
    default:
      throw new Error(`unknown frame strategy ${strategy as string}`);
  }
}

/** k as a fraction of each video's length (the "10% of frames" column), at least 1. */
export function kForFraction(n: number, fraction: number): number {
  return Math.max(1, Math.round(n * fraction));
}
