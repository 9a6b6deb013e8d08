/**
 * Per-class evidence pooled over the frames a model looked at: a few statistics of the detector's score for that
 * class, the same few for every class. A video model built on these can only say "dog" because some frame
 * showed something dog-like; it cannot learn a prior such as "most videos have a person" from other classes.
 *
 * Statistics (fixed in advance, not tuned): best frame, mean of the best two, mean over all frames, share of
 * frames scoring at least ABOVE, and persistence (the best score held by two neighbouring frames). Scores are
 * mapped to log-odds so a linear model on them is a calibration of the detector.
 */
export const EVIDENCE_FEATURES = ['max', 'top2', 'mean', 'above', 'persist'] as const;
export const NUM_EVIDENCE = EVIDENCE_FEATURES.length;
/** A frame "shows" a class at or above this detector score (for the `above` share). */
export const ABOVE = 0.3;
/** A tag is "supported" when at least one looked-at frame scores its class at or above this. */
export const SUPPORT_SCORE = 0.2;

const EPS = 1e-4;
export const logit = (p: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};
export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * `frames`: per frame, the detector's class scores (length ≥ classes), in time order.
 * Returns classes × NUM_EVIDENCE values, class-major.
 */
export function poolEvidence(frames: ArrayLike<number>[], classes: number): Float64Array {
  const out = new Float64Array(classes * NUM_EVIDENCE);
  const n = frames.length;
  if (!n) {
    out.fill(logit(0));
    for (let c = 0; c < classes; c++) out[c * NUM_EVIDENCE + 3] = 0;
    return out;
  }
  for (let c = 0; c < classes; c++) {
    let max = 0,
      second = 0,
      sum = 0,
      above = 0,
      persist = n === 1 ? frames[0][c] : 0;
    for (let i = 0; i < n; i++) {
      const s = frames[i][c];
      if (s > max) {
        second = max;
        max = s;
      } else if (s > second) second = s;
      sum += s;
      if (s >= ABOVE) above++;
      if (i > 0) persist = Math.max(persist, Math.min(s, frames[i - 1][c]));
    }
    const o = c * NUM_EVIDENCE;
    out[o] = logit(max);
    out[o + 1] = logit(n === 1 ? max : (max + second) / 2);
    out[o + 2] = logit(sum / n);
    out[o + 3] = above / n;
    out[o + 4] = logit(persist);
  }
  return out;
}
