import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_OFFSET, nextOffset, parseOffsetBigInt, parseOffsetNumber, toBigOffset } from './offset-number.js';

const TWO_53 = 2n ** 53n;

/** Canonical decimals: small, around 2^53 (±1000), around 10^15/10^16/10^17, and up to 60 digits. */
const canonical = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 6n }),
  fc.bigInt({ min: TWO_53 - 1000n, max: TWO_53 + 1000n }),
  fc.constantFrom(10n ** 15n, 10n ** 16n, 10n ** 17n).chain((p) => fc.bigInt({ min: p - 50n, max: p + 50n })),
  fc.bigInt({ min: 0n, max: 10n ** 60n }),
);
/** Bounds a number-offset slice can have: at most 2^53 − 1, often right at it. */
const bound = fc.oneof(fc.bigInt({ min: 0n, max: MAX_NUMBER_OFFSET }), fc.bigInt({ min: MAX_NUMBER_OFFSET - 5n, max: MAX_NUMBER_OFFSET }));

describe('parseOffsetNumber', () => {
  it('is exact below 2^53 and compares with any bound ≤ 2^53 − 1 exactly as the BigInt does', () => {
    fc.assert(
      fc.property(canonical, bound, (value, hi) => {
        const text = value.toString();
        const n = parseOffsetNumber(text);
        expect(parseOffsetBigInt(text)).toBe(value);
        if (value < TWO_53) expect(BigInt(n)).toBe(value);
        else expect(n >= 2 ** 53).toBe(true);
        const h = Number(hi);
        expect(n > h).toBe(value > hi);
        expect(n < h).toBe(value < hi);
        expect(n === h).toBe(value === hi);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with BigInt on every value from 2^53 − 200 to 2^53 + 200', () => {
    for (let v = TWO_53 - 200n; v <= TWO_53 + 200n; v++) {
      const n = parseOffsetNumber(v.toString());
      if (v <= MAX_NUMBER_OFFSET) expect(BigInt(n)).toBe(v);
      else expect(n > Number.MAX_SAFE_INTEGER).toBe(true);
    }
  });

  it('refuses what is not a canonical decimal, like the BigInt path', () => {
    for (const bad of [
      '',
      '01',
      '00',
      '-1',
      '+1',
      '1.0',
      '1e3',
      ' 1',
      '1 ',
      '0x10',
      '١٢',
      '9'.repeat(17) + 'a',
      '0'.repeat(20),
      12,
      null,
      undefined,
    ]) {
      expect(parseOffsetNumber(bad)).toBe(-1);
      expect(parseOffsetBigInt(bad)).toBe(-1n);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        expect(parseOffsetNumber(text) === -1).toBe(parseOffsetBigInt(text) === -1n);
      }),
    );
  });

  it('steps and widens offsets without leaving their representation', () => {
    expect(nextOffset(Number.MAX_SAFE_INTEGER)).toBe(2 ** 53);
    expect(nextOffset(MAX_NUMBER_OFFSET)).toBe(TWO_53);
    expect(toBigOffset(Number.MAX_SAFE_INTEGER)).toBe(MAX_NUMBER_OFFSET);
    expect(toBigOffset(5n)).toBe(5n);
  });
});
