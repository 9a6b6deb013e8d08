/**
 * Which moments of a video to look at. "Uniform k" is defined here once, as positions in the video (fractions of
 * its length); scans turn them into timestamps, training, the benchmarks and Compare into the nearest cached
 * frames. Nothing else may define it.
 */

/** Uniform k: the centres of k equal segments (the paper's "every j-th frame", never the black first frame). */
export function uniformFractions(k: number): number[] {
  return Array.from({ length: Math.max(0, Math.floor(k)) }, (_, i) => (i + 0.5) / k);
}

/** Uniform k as timestamps of a video of `durationS` seconds. */
export function uniformTimes(durationS: number, k: number): number[] {
  if (!(durationS > 0) || k < 1) return [];
  return uniformFractions(k).map((f) => f * durationS);
}

/**
 * Uniform k among n frames spread evenly over a video (a teacher scan's frames): the frame covering each segment
 * centre. Every frame when k ≥ n.
 */
export function uniformIndices(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(uniformFractions(k).map((f) => Math.min(n - 1, Math.floor(f * n))))];
}

/**
 * For each wanted timestamp, the cached frame nearest to it (`times` ascending); distinct indices, ascending.
 * How a strategy defined in time picks from frames that were already decoded.
 */
export function nearestFrames(times: number[], wanted: number[]): number[] {
  const out = new Set<number>();
  for (const t of wanted) {
    let lo = 0, hi = times.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] < t) lo = mid + 1; else hi = mid; }
    out.add(lo > 0 && Math.abs(times[lo - 1] - t) <= Math.abs(times[lo] - t) ? lo - 1 : lo);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The index of the frame to show as a poster: the most detailed (highest luma spread) among frames that are
 * neither nearly black nor blown out, so fades and title cards are avoided.
 */
export function posterFrameIndex(frames: Uint8Array[]): number {
  let best = 0, bestScore = -Infinity;
  frames.forEach((rgb, i) => {
    let sum = 0, sum2 = 0, n = 0;
    for (let p = 0; p < rgb.length; p += 3 * 7) { // every 7th pixel is plenty for a statistic
      const y = 0.299 * rgb[p] + 0.587 * rgb[p + 1] + 0.114 * rgb[p + 2];
      sum += y; sum2 += y * y; n++;
    }
    const mean = sum / n, std = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
    const score = (mean < 25 || mean > 235 ? -1000 : 0) + std;
    if (score > bestScore) { bestScore = score; best = i; }
  });
  return best;
}
