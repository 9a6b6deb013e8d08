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
    let lo = 0,
      hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    out.add(lo > 0 && Math.abs(times[lo - 1] - t) < Math.abs(times[lo] - t) ? lo - 1 : lo); // ties: the later frame, as uniformIndices
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Keyframe-nearest k: each uniform timestamp moved to the nearest keyframe (a seek lands there without decoding
 * the frames in between). `keyframes` ascending; falls back to the uniform time when there are none.
 */
export function keyframeNearestTimes(durationS: number, k: number, keyframes: number[]): number[] {
  const want = uniformTimes(durationS, k);
  if (!keyframes.length) return want;
  return [...new Set(nearestFrames(keyframes, want).map((i) => keyframes[i]))];
}

/**
 * How far a keyframe may lie from a uniform time and still stand in for it: less than half the spacing of uniform
 * k, i.e. the frame stays inside the segment it represents (uniform times are segment centres), so k frames still
 * cover k distinct segments in order; strictly less, so a lone keyframe at 0 (often a black or title frame) never
 * stands in for the first segment. A keyframe farther away (sparse keyframes) is replaced by the exact frame.
 */
export function keyframeTolerance(durationS: number, k: number): number {
  return k >= 1 && durationS > 0 ? durationS / k / 2 : 0;
}

/**
 * Shot-aware k: the video cut into shots at `cuts` (seconds, ascending); every shot gets frames in proportion to
 * its length (at least one while k lasts, longest shots first), each shot's frames at the centres of equal parts
 * of it. Without cuts this is uniform k.
 */
export function shotAwareTimes(durationS: number, k: number, cuts: number[]): number[] {
  const edges = [0, ...cuts.filter((t) => t > 0 && t < durationS), durationS];
  const shots = edges
    .slice(1)
    .map((end, i) => ({ start: edges[i], len: end - edges[i] }))
    .filter((s) => s.len > 0);
  if (shots.length <= 1 || k < 1) return uniformTimes(durationS, k);
  const share = shots.map(() => 0);
  const order = shots.map((_, i) => i).sort((a, b) => shots[b].len - shots[a].len);
  for (let n = 0; n < k; n++) {
    // one per shot (longest first), then to whichever shot is worst covered per second
    const i =
      n < shots.length
        ? order[n]
        : order.reduce((best, j) => (shots[j].len / (share[j] + 1) > shots[best].len / (share[best] + 1) ? j : best), order[0]);
    share[i]++;
  }
  return shots.flatMap((s, i) => uniformFractions(share[i]).map((f) => s.start + f * s.len));
}

/**
 * The index of the frame to show as a poster: the most detailed (highest luma spread) among frames that are
 * neither nearly black nor blown out, so fades and title cards are avoided.
 */
export function posterFrameIndex(frames: Uint8Array[]): number {
  let best = 0,
    bestScore = -Infinity;
  frames.forEach((rgb, i) => {
    let sum = 0,
      sum2 = 0,
      n = 0;
    for (let p = 0; p < rgb.length; p += 3 * 7) {
      // every 7th pixel is plenty for a statistic
      const y = 0.299 * rgb[p] + 0.587 * rgb[p + 1] + 0.114 * rgb[p + 2];
      sum += y;
      sum2 += y * y;
      n++;
    }
    const mean = sum / n,
      std = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
    const score = (mean < 25 || mean > 235 ? -1000 : 0) + std;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}
