/**
 * Seeded randomness for everything that must be reproducible (weight init, shuffles, random-k frames,
 * montage, dropout masks). Math.random and tf's own RNG are avoided because runs must repeat bit-for-bit.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  int(n: number): number;
  normal(): number;
  shuffle<T>(a: T[]): T[];
  /** independent child stream, so adding draws in one place does not shift another */
  fork(): Rng;
}

export function makeRng(seed: number): Rng {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    // mulberry32: tiny, fast, good enough for ML bookkeeping (not crypto)
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    shuffle: (a) => {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    },
    fork: () => makeRng(Math.floor(next() * 4294967296)),
  };
  return rng;
}
