/**
 * A predicted tag counts as "on the video" at or above this score; lower scores are kept for re-thresholding.
 * 0.5, the threshold the metrics' precision/recall use: at 0.4 the shipped models, whose training clips are 73%
 * "person", put that tag on synthetic test patterns with no one in them (0.45).
 */
export const TAG_THRESHOLD = 0.5;
/** Scores below this are noise and not stored at all. */
export const TAG_STORE_FLOOR = 0.1;

/**
 * What a stored tag score means as a probability. Evidence models store their calibrated probability p shifted in
 * log-odds so that the model's own decision line (its threshold on p, chosen on held-out training clips) sits at the
 * app's one line, 0.5 (main/ml/evidence/protocol.ts toTagScores). This undoes the shift: p = σ(logit(s) + logit(line)).
 * A `line` of 0.5 (tfjs models, the detector fallback) leaves the score as it is.
 */
export function probabilityOf(score: number, line: number): number {
  const logit = (x: number) => Math.log(Math.min(1 - 1e-9, Math.max(1e-9, x)) / (1 - Math.min(1 - 1e-9, Math.max(1e-9, x))));
  return 1 / (1 + Math.exp(-(logit(score) + logit(line))));
}
