/** Numeric settings from the environment, read one way everywhere. */

/**
 * `process.env[name]` as a number, or `fallback` when the variable is unset, empty, not a number, or below `min`
 * (a count of 0 workers or a 0 s timeout means "the default", never "none"), so a typo never becomes NaN.
 */
export function envNumber(name: string, fallback: number, o: { min?: number } = {}): number {
  const raw = process.env[name]?.trim();
  const n = raw ? Number(raw) : NaN;
  return Number.isFinite(n) && n >= (o.min ?? -Infinity) ? n : fallback;
}
