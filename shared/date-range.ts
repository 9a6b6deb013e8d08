/**
 * The bounds of a date filter ("recorded between", "added between") as the UTC instants the store compares. A bare
 * day means the whole day where the person is (local midnight to the next local midnight): "to 2021-06-01" keeps a
 * video filmed that evening. Stored dates are `toISOString()` text, so these compare as strings.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function instant(bound: string): number {
  // "+0200" (as QuickTime writes zones) is not a zone every Date.parse reads; "+02:00" is.
  return Date.parse(bound.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** A real calendar day (Date would roll 2021-02-30 over into March). */
function day(bound: string): Date | null {
  const m = DAY.exec(bound.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : null;
}

/** Whether `bound` is a day or a moment this module can read. */
export function isDateBound(bound: string): boolean {
  return DAY.test(bound.trim()) ? day(bound) !== null : Number.isFinite(instant(bound));
}

/** The first instant a "from" bound keeps (inclusive), as ISO 8601 UTC; null when it is not a date. */
export function rangeStart(bound: string): string | null {
  if (DAY.test(bound.trim())) return day(bound)?.toISOString() ?? null;
  const ms = instant(bound);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** The first instant a "to" bound no longer keeps (exclusive): the next local midnight for a day, else 1 ms later. */
export function rangeEnd(bound: string): string | null {
  if (DAY.test(bound.trim())) {
    const d = day(bound);
    return d ? new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).toISOString() : null;
  }
  const ms = instant(bound);
  return Number.isFinite(ms) ? new Date(ms + 1).toISOString() : null;
}
