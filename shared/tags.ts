/**
 * A predicted tag counts as "on the video" at or above this score; lower scores are kept for re-thresholding.
 * 0.5, the threshold the metrics' precision/recall use: at 0.4 the shipped models, whose training clips are 73%
 * "person", put that tag on synthetic test patterns with no one in them (0.45).
 */
export const TAG_THRESHOLD = 0.5;
/** Scores below this are noise and not stored at all. */
export const TAG_STORE_FLOOR = 0.1;
