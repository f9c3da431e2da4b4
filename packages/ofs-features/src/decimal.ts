/**
 * Exact decimal arithmetic for feature aggregates: values are scaled integers (`mantissa × 10^-scale`)
 * held as BigInt, so sums and means never pick up binary floating-point error and do not depend
 * on the order values were added in.
 */

/** An exact decimal: `mantissa / 10^scale`. */
export interface ScaledDecimal {
  readonly mantissa: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const NUMBER_TEXT = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:e([+-]?[0-9]+))?$/;
const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= 40; i++, p *= 10n) POW10.push(p);

/** `10^n` as a BigInt. */
export function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/**
 * Parses a payload value as an exact decimal: a JSON number, or a decimal string
 * (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`, e.g. `"123.45"`). Returns `undefined` for anything else
 * (the caller decides whether that is an error). JSON numbers are read from their shortest
 * round-trip spelling, so `0.1` is exactly one tenth.
 */
export function parseDecimal(value: unknown): ScaledDecimal | undefined {
  if (typeof value === 'string') {
    if (!DECIMAL_TEXT.test(value)) return undefined;
    const dot = value.indexOf('.');
    if (dot < 0) return { mantissa: BigInt(value), scale: 0 };
    return { mantissa: BigInt(value.slice(0, dot) + value.slice(dot + 1)), scale: value.length - dot - 1 };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    if (Number.isSafeInteger(value)) return { mantissa: BigInt(value), scale: 0 };
    const m = NUMBER_TEXT.exec(String(value).toLowerCase());
    if (!m) return undefined;
    const digits = (m[2] ?? '') + (m[3] ?? '');
    let scale = (m[3] ?? '').length - Number(m[4] ?? '0');
    let mantissa = BigInt(digits);
    if (scale < 0) {
      mantissa *= pow10(-scale);
      scale = 0;
    }
    return { mantissa: m[1] === '-' ? -mantissa : mantissa, scale };
  }
  return undefined;
}

/** `mantissa` rescaled from `from` to a larger or equal scale `to`. */
export function rescale(mantissa: bigint, from: number, to: number): bigint {
  return to === from ? mantissa : mantissa * pow10(to - from);
}

/** Compares two decimals numerically. */
export function compareDecimals(a: ScaledDecimal, b: ScaledDecimal): number {
  const s = Math.max(a.scale, b.scale);
  const x = rescale(a.mantissa, a.scale, s);
  const y = rescale(b.mantissa, b.scale, s);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The canonical text of `mantissa / 10^scale`: no exponent, no trailing fraction zeros, no
 * `-0`, e.g. `"1234.5"`, `"0"`, `"-0.25"`.
 */
export function formatDecimal(mantissa: bigint, scale: number): string {
  if (mantissa === 0n) return '0';
  const negative = mantissa < 0n;
  let digits = (negative ? -mantissa : mantissa).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    let int = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
    if (int === '') int = '0';
    digits = frac === '' ? int : `${int}.${frac}`;
  }
  return negative ? `-${digits}` : digits;
}

/** `numerator / denominator` rounded half-to-even to an integer (denominator > 0). */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  let q = numerator / denominator;
  let r = numerator % denominator;
  if (r < 0n) {
    q -= 1n;
    r += denominator;
  }
  const twice = 2n * r;
  if (twice > denominator || (twice === denominator && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** Decimal places of `mean` (rounded half-to-even). */
export const MEAN_SCALE = 6;

/** The canonical text of `sum / count` rounded half-to-even to 6 decimals (`sum` at `scale`). */
export function formatMean(sum: bigint, scale: number, count: number): string {
  const numerator = scale <= MEAN_SCALE ? sum * pow10(MEAN_SCALE - scale) : sum;
  const denominator = BigInt(count) * (scale <= MEAN_SCALE ? 1n : pow10(scale - MEAN_SCALE));
  return formatDecimal(divideHalfEven(numerator, denominator), MEAN_SCALE);
}
