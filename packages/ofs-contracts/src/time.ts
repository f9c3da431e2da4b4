/**
 * RFC 3339 instants with an explicit zone (`Z`, `z` or `±HH:MM`). Label cutoffs and label
 * timestamps are compared as instants, never as strings: `…T10:00:00Z` and `…T10:00:00+00:00`
 * are the same instant.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A parsed instant: epoch milliseconds (UTC) plus the nanoseconds below the millisecond. */
export interface Instant {
  /** Milliseconds since the Unix epoch, UTC. */
  readonly epochMs: number;
  /** Nanoseconds within the millisecond (0–999,999). */
  readonly subMsNanos: number;
}

/**
 * Parses an RFC 3339 date-time with an explicit zone. Returns `undefined` for anything else
 * (no zone, impossible dates, leap seconds, more than 9 fractional digits).
 */
export function parseInstant(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const dim = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day > dim || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const ms = Number(fraction.slice(0, 3));
  const subMsNanos = Number(fraction.slice(3));
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  if (year < 100) {
    // Date.UTC maps years 0–99 to 1900–1999; correct for it.
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, minute, second, ms);
    return { epochMs: d.getTime() - offsetMinutes * 60_000, subMsNanos };
  }
  return { epochMs, subMsNanos };
}

/** `true` when `text` is an RFC 3339 instant with an explicit zone. */
export function isRfc3339Instant(text: string): boolean {
  return parseInstant(text) !== undefined;
}

/** Compares two instants: negative, zero or positive. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.epochMs !== b.epochMs ? a.epochMs - b.epochMs : a.subMsNanos - b.subMsNanos;
}

/**
 * The canonical UTC spelling of an instant: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, with the
 * fraction's trailing zeros removed. Equal instants have equal canonical spellings.
 */
export function canonicalInstant(instant: Instant): string {
  const ms = Math.floor(instant.epochMs);
  const base = new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
  const fracMs = ((ms % 1000) + 1000) % 1000;
  const fraction = `${String(fracMs).padStart(3, '0')}${String(instant.subMsNanos).padStart(6, '0')}`.replace(/0+$/, '');
  return fraction ? `${base}.${fraction}Z` : `${base}Z`;
}

/** Parses and canonicalises in one step; `undefined` when `text` is not a valid instant. */
export function canonicalizeInstant(text: string): string | undefined {
  const instant = parseInstant(text);
  return instant === undefined ? undefined : canonicalInstant(instant);
}
