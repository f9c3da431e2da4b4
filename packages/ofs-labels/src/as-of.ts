import { compareInstants, type Instant, OfsError, parseInstant } from '@ofs/contracts';

/**
 * The no-leakage law (DESIGN §1 law 2): a label assertion is eligible iff its `observed_time`
 * is at or before the cutoff, compared as instants (never as strings).
 */
export function isEligibleAsOf(observed: Instant, cutoff: Instant): boolean {
  return isEligibleAsOfParts(observed.epochMs, observed.subMsNanos, cutoff.epochMs, cutoff.subMsNanos);
}

/** `isEligibleAsOf` on instants given as (epoch ms, nanoseconds below the ms) pairs. */
export function isEligibleAsOfParts(observedMs: number, observedNs: number, cutoffMs: number, cutoffNs: number): boolean {
  return observedMs < cutoffMs || (observedMs === cutoffMs && observedNs <= cutoffNs);
}

/**
 * Parses a label timestamp; throws `LABEL_TIMESTAMP_INVALID` when it is not an RFC 3339
 * instant with an explicit zone. `what` names the field in the error.
 */
export function parseLabelInstant(text: unknown, what: string, details: Record<string, unknown> = {}): Instant {
  const instant = typeof text === 'string' ? parseInstant(text) : undefined;
  if (instant === undefined) {
    throw new OfsError('LABEL_TIMESTAMP_INVALID', {
      message: `${what} is not an RFC 3339 instant with an explicit zone: ${JSON.stringify(text)}`,
      details: { field: what, value: typeof text === 'string' ? text : String(text), ...details },
    });
  }
  return instant;
}

/**
 * Ranks two eligible assertions: later `effective_time` first, then later `observed_time`.
 * Zero means they are top-tied (equal instants, whatever their spelling); the greatest
 * `assertion_id` then names the winner, and tied assertions with different values are a CONFLICT.
 */
export function compareRank(effA: Instant, obsA: Instant, effB: Instant, obsB: Instant): number {
  const byEffective = compareInstants(effA, effB);
  return byEffective !== 0 ? byEffective : compareInstants(obsA, obsB);
}

/**
 * `compareRank` on instants packed as `[effective ms, effective ns, observed ms, observed ns]`
 * at `ai` in `a` and `bi` in `b` (the resolver's allocation-free form).
 */
export function compareRankParts(a: Float64Array, ai: number, b: Float64Array, bi: number): number {
  const byEffective = a[ai]! - b[bi]! || a[ai + 1]! - b[bi + 1]!;
  return byEffective !== 0 ? byEffective : a[ai + 2]! - b[bi + 2]! || a[ai + 3]! - b[bi + 3]!;
}

/** `cutoff − days` (whole days of 86,400 s; UTC has no daylight saving). */
export function minusDays(cutoff: Instant, days: number): Instant {
  return { epochMs: cutoff.epochMs - days * 86_400_000, subMsNanos: cutoff.subMsNanos };
}
