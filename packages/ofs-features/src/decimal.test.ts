import { describe, expect, it } from 'vitest';
import { compareDecimals, divideHalfEven, formatDecimal, formatMean, parseDecimal } from './decimal.js';

describe('exact decimals', () => {
  it('parses decimal strings and JSON numbers exactly', () => {
    expect(parseDecimal('123.45')).toEqual({ mantissa: 12345n, scale: 2 });
    expect(parseDecimal('-0.10')).toEqual({ mantissa: -10n, scale: 2 });
    expect(parseDecimal(0.1)).toEqual({ mantissa: 1n, scale: 1 });
    expect(parseDecimal(1e-7)).toEqual({ mantissa: 1n, scale: 7 });
    expect(parseDecimal(1e21)).toEqual({ mantissa: 10n ** 21n, scale: 0 });
    expect(parseDecimal(42)).toEqual({ mantissa: 42n, scale: 0 });
  });

  it('refuses what is not a plain decimal', () => {
    for (const bad of ['1e5', '01', '+1', '1.', '.5', ' 1', 'NaN', '', true, null, {}, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(parseDecimal(bad)).toBeUndefined();
    }
  });

  it('sums without binary float error, in any order', () => {
    const values = ['0.1', '0.2', '0.3', '1000000000000000.01', '-0.6'];
    const sum = (xs: string[]) => {
      const ds = xs.map((x) => parseDecimal(x)!);
      const s = Math.max(...ds.map((d) => d.scale));
      return formatDecimal(
        ds.reduce((acc, d) => acc + d.mantissa * 10n ** BigInt(s - d.scale), 0n),
        s,
      );
    };
    expect(sum(values)).toBe('1000000000000000.01');
    expect(sum([...values].reverse())).toBe('1000000000000000.01');
  });

  it('formats canonically', () => {
    expect(formatDecimal(0n, 5)).toBe('0');
    expect(formatDecimal(12300n, 2)).toBe('123');
    expect(formatDecimal(-5n, 3)).toBe('-0.005');
    expect(formatDecimal(1050n, 2)).toBe('10.5');
  });

  it('rounds the mean half to even at 6 decimals', () => {
    expect(divideHalfEven(5n, 2n)).toBe(2n);
    expect(divideHalfEven(7n, 2n)).toBe(4n);
    expect(divideHalfEven(-5n, 2n)).toBe(-2n);
    expect(formatMean(1n, 0, 3)).toBe('0.333333');
    expect(formatMean(2n, 0, 3)).toBe('0.666667');
    // 0.0000005 exactly: half → even (0); 0.0000015 → 0.000002.
    expect(formatMean(5n, 7, 1)).toBe('0');
    expect(formatMean(15n, 7, 1)).toBe('0.000002');
    expect(formatMean(30n, 1, 2)).toBe('1.5');
  });

  it('compares across scales', () => {
    expect(compareDecimals(parseDecimal('1.50')!, parseDecimal('1.5')!)).toBe(0);
    expect(compareDecimals(parseDecimal('-2')!, parseDecimal('1.5')!)).toBe(-1);
  });
});
