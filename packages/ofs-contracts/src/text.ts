/**
 * Python's `str.strip()` whitespace set. The reference trims with Python, whose set differs
 * from JavaScript's `trim()` (U+001C–U+001F and U+0085 are whitespace in Python; U+FEFF is not).
 */
const PY_WS = '\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_TRIM = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');

/** Trims `text` with Python's whitespace set, so trimmed ids match the reference byte for byte. */
export function pyTrim(text: string): string {
  return text.replace(PY_TRIM, '');
}

/** A safe object-key segment: `[A-Za-z0-9._=-]+`, not `.` or `..`, at most 128 characters. */
export const KEY_SEGMENT_PATTERN = /^[A-Za-z0-9._=-]{1,128}$/;

/** `true` when `text` can be used as one object-key segment. */
export function isSafeKeySegment(text: string): boolean {
  return KEY_SEGMENT_PATTERN.test(text) && text !== '.' && text !== '..';
}

/** A canonical non-negative decimal integer string (no sign, no leading zeros). */
export const CANONICAL_DECIMAL_PATTERN = /^(0|[1-9][0-9]*)$/;

/** `true` when `text` is a canonical decimal offset. */
export function isCanonicalDecimal(text: string): boolean {
  return CANONICAL_DECIMAL_PATTERN.test(text);
}

/** Compares two canonical decimal strings numerically without BigInt allocation. */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two strings by Unicode code point (Python's string order), not UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate encodes a code point above U+FFFF, so it sorts after every BMP unit,
    // including U+E000–U+FFFF, which UTF-16 order would put after it.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}
