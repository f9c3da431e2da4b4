/**
 * Exact integer arithmetic on `number | bigint`: numbers while the result is a safe integer,
 * BigInt from the first operation that would leave that range. Window aggregates keep their
 * running sums this way, so the common case (amounts with a few decimals) costs plain number
 * additions and the rare huge value stays exact.
 */
import { pow10 } from './decimal.js';

/** An exact integer. */
export type Exact = number | bigint;

const POW10_NUMBER = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** `a + b`, exact. */
export function add(a: Exact, b: Exact): Exact {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return BigInt(a) + BigInt(b);
}

/** `a − b`, exact. */
export function sub(a: Exact, b: Exact): Exact {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return BigInt(a) - BigInt(b);
}

/** `a × 10^k` (k ≥ 0), exact. */
export function scaleUp(a: Exact, k: number): Exact {
  if (k === 0) return a;
  if (typeof a === 'number' && k < 16) {
    const r = a * (POW10_NUMBER[k] as number);
    if (Number.isSafeInteger(r)) return r;
  }
  return BigInt(a) * pow10(k);
}

/** The decimal digits of `|a|` and its sign. */
export function digitsOf(a: Exact): { negative: boolean; digits: string } {
  if (typeof a === 'number') return { negative: a < 0, digits: String(Math.abs(a)) };
  return { negative: a < 0n, digits: (a < 0n ? -a : a).toString() };
}

/** `a / d` rounded half to even (d > 0), exact. */
export function divideHalfEvenExact(a: Exact, d: number): Exact {
  if (typeof a === 'number') {
    let q = Math.floor(a / d);
    let r = a - q * d;
    while (r < 0) {
      q -= 1;
      r += d;
    }
    while (r >= d) {
      q += 1;
      r -= d;
    }
    if (2 * r > d || (2 * r === d && Math.abs(q % 2) === 1)) q += 1;
    return q;
  }
  const D = BigInt(d);
  let q = a / D;
  let r = a % D;
  if (r < 0n) {
    q -= 1n;
    r += D;
  }
  if (2n * r > D || (2n * r === D && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** An exact decimal `m / 10^s` with a `number | bigint` mantissa. */
export interface Dec {
  readonly m: Exact;
  readonly s: number;
}

const SMALL_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Parses a payload value as an exact decimal (see `parseDecimal`): decimal strings
 * (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`) and JSON numbers. The mantissa is a number when it has at
 * most 15 digits, else a BigInt. `undefined` for anything else.
 */
export function parseDec(value: unknown): Dec | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return { m: value, s: 0 };
  let text: string;
  if (typeof value === 'string') {
    if (!SMALL_DECIMAL.test(value)) return undefined;
    text = value;
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    text = String(value);
    if (text.includes('e')) return fromBig(value);
  } else {
    return undefined;
  }
  const dot = text.indexOf('.');
  const digits = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
  const s = dot < 0 ? 0 : text.length - dot - 1;
  const count = digits.charCodeAt(0) === 45 /* - */ ? digits.length - 1 : digits.length;
  return { m: count <= 15 ? Number(digits) : BigInt(digits), s };
}

function fromBig(value: number): Dec | undefined {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?e([+-]?[0-9]+)$/.exec(String(value));
  if (!m) return undefined;
  const frac = m[3] ?? '';
  let s = frac.length - Number(m[4]);
  let mantissa = BigInt((m[2] ?? '') + frac);
  if (s < 0) {
    mantissa *= pow10(-s);
    s = 0;
  }
  return { m: m[1] === '-' ? -mantissa : mantissa, s };
}

/** Compares two decimals numerically. */
export function compareDec(a: Dec, b: Dec): number {
  const s = Math.max(a.s, b.s);
  const x = scaleUp(a.m, s - a.s);
  const y = scaleUp(b.m, s - b.s);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Canonical text of `m / 10^s`: no exponent, no trailing fraction zeros, no `-0`. */
export function formatExact(m: Exact, s: number): string {
  if (m === 0 || m === 0n) return '0';
  const { negative, digits: raw } = digitsOf(m);
  let digits = raw;
  if (s > 0) {
    if (digits.length <= s) digits = '0'.repeat(s - digits.length + 1) + digits;
    const int = digits.slice(0, digits.length - s);
    let end = digits.length;
    while (end > int.length && digits.charCodeAt(end - 1) === 48) end--;
    digits = end === int.length ? int : `${int}.${digits.slice(int.length, end)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Decimal places of `mean`. */
const MEAN_PLACES = 6;

/** Canonical text of `sum / count` (sum at scale `s`) rounded half to even to 6 decimals. */
export function formatMeanExact(sum: Exact, s: number, count: number): string {
  if (s <= MEAN_PLACES) return formatExact(divideHalfEvenExact(scaleUp(sum, MEAN_PLACES - s), count), MEAN_PLACES);
  // More than 6 decimals: divide by count × 10^(s−6) exactly in BigInt.
  const d = BigInt(count) * pow10(s - MEAN_PLACES);
  const a = BigInt(sum);
  let q = a / d;
  let r = a % d;
  if (r < 0n) {
    q -= 1n;
    r += d;
  }
  if (2n * r > d || (2n * r === d && (q & 1n) === 1n)) q += 1n;
  return formatExact(q, MEAN_PLACES);
}
