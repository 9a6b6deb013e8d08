/** A predicted tag counts as "on the video" at or above this score; lower scores are kept for re-thresholding. */
export const TAG_THRESHOLD = 0.4;
/** Scores below this are noise and not stored at all. */
export const TAG_STORE_FLOOR = 0.1;
