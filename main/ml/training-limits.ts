/**
 * Limits of training on a library, in a module of their own so the engine can check them before a click without
 * loading the training code (and tfjs) itself.
 */

/** Fewer videos than this cannot be split into training and held-out sets (the app disables Train below it). */
export const MIN_TRAINING_VIDEOS = 4;
