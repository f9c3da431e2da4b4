/**
 * Offsets as plain numbers where they are exact. A slice whose end is at most
 * `Number.MAX_SAFE_INTEGER` (2^53 − 1) is replayed with `number` offsets; longer slices (56-digit
 * Kinesis sequence numbers) keep `bigint`. Both paths give the same records and receipt bytes.
 */

/** An offset inside the replay: `number` on the fast path, `bigint` otherwise (never mixed within a slice). */
export type Offset = number | bigint;

/** The largest slice end replayed with `number` offsets. */
export const MAX_NUMBER_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

const CANONICAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses `text` as a canonical decimal (no sign, no leading zero) into a number: exact when the
 * value is below 2^53, and otherwise some number ≥ 2^53 (rounded, or `Infinity` past 16 digits),
 * so comparing it with a bound ≤ 2^53 − 1 gives the same answer as comparing the exact value.
 * Returns `-1` when `text` is not a canonical decimal.
 */
export function parseOffsetNumber(text: unknown): number {
  if (typeof text !== 'string') return -1;
  const length = text.length;
  if (length === 0) return -1;
  if (length > 16) return CANONICAL.test(text) ? Number.POSITIVE_INFINITY : -1;
  if (text.charCodeAt(0) === 48) return length === 1 ? 0 : -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    // Exact while the true value is below 2^53; rounding is monotonic, so a larger one stays ≥ 2^53.
    value = value * 10 + digit;
  }
  return value;
}

/** Parses `text` as a canonical decimal into a bigint; `-1n` when it is not one. */
export function parseOffsetBigInt(text: unknown): bigint {
  return typeof text === 'string' && CANONICAL.test(text) ? BigInt(text) : -1n;
}

/** `offset` as a bigint. */
export function toBigOffset(offset: Offset): bigint {
  return typeof offset === 'bigint' ? offset : BigInt(offset);
}

/** `offset + 1` in the offset's own representation (exact: a number offset is at most 2^53 − 1). */
export function nextOffset(offset: Offset): Offset {
  return typeof offset === 'number' ? offset + 1 : offset + 1n;
}
