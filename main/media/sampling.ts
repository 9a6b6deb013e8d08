/** Which moments of a video to look at. */

/** k timestamps at the centres of k equal segments: the paper's "every j-th frame", never the black first frame. */
export function uniformTimes(durationS: number, k: number): number[] {
  if (!(durationS > 0) || k < 1) return [];
  return Array.from({ length: k }, (_, i) => ((i + 0.5) * durationS) / k);
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
