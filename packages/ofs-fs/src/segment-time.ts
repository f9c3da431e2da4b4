import { canonicalInstant, compareInstants, type Instant, parseInstant } from '@ofs/contracts';

/** The time fields of a `SegmentEntry` (all three, or none). */
export interface SegmentTimeRange {
  /** Earliest record `ts_utc` of the segment, as a canonical UTC instant (`canonicalInstant`). */
  readonly min_ts_utc: string;
  /** Latest record `ts_utc` of the segment, as a canonical UTC instant. */
  readonly max_ts_utc: string;
  /** `true` when `ts_utc` never decreases (as an instant) from one line to the next, in offset order. */
  readonly ts_ordered: boolean;
}

/**
 * Accumulates the time range of one segment as its records are written, in offset order.
 * `result()` is `undefined` when any record's `ts_utc` is not an RFC 3339 instant with a zone:
 * the segment then declares no time range (a reader must open it to know).
 */
export class SegmentTimeTracker {
  private min: Instant | undefined;
  private max: Instant | undefined;
  private last: Instant | undefined;
  private ordered = true;
  private unknown = false;

  /** Records the next line's `ts_utc`. */
  add(tsUtc: unknown): void {
    if (this.unknown) return;
    const instant = typeof tsUtc === 'string' ? parseInstant(tsUtc) : undefined;
    if (instant === undefined) {
      this.unknown = true;
      return;
    }
    if (this.last !== undefined && compareInstants(instant, this.last) < 0) this.ordered = false;
    if (this.min === undefined || compareInstants(instant, this.min) < 0) this.min = instant;
    if (this.max === undefined || compareInstants(instant, this.max) > 0) this.max = instant;
    this.last = instant;
  }

  /** The segment's time fields, or `undefined` (no records, or a `ts_utc` that is not an instant). */
  result(): SegmentTimeRange | undefined {
    if (this.unknown || this.min === undefined || this.max === undefined) return undefined;
    return { min_ts_utc: canonicalInstant(this.min), max_ts_utc: canonicalInstant(this.max), ts_ordered: this.ordered };
  }
}

/** `true` when an entry's time fields are absent together, or present with the right types and parse as instants. */
export function isSegmentTimeRange(entry: { min_ts_utc?: unknown; max_ts_utc?: unknown; ts_ordered?: unknown }): boolean {
  const present = [entry.min_ts_utc, entry.max_ts_utc, entry.ts_ordered].filter((v) => v !== undefined).length;
  if (present === 0) return true;
  if (present !== 3 || typeof entry.ts_ordered !== 'boolean') return false;
  const min = typeof entry.min_ts_utc === 'string' ? parseInstant(entry.min_ts_utc) : undefined;
  const max = typeof entry.max_ts_utc === 'string' ? parseInstant(entry.max_ts_utc) : undefined;
  return min !== undefined && max !== undefined && compareInstants(min, max) <= 0;
}
