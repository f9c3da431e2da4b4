import { describe, expect, it } from 'vitest';
import { coercerFor, fitDecimal, fitInstant } from './column-types.js';
import { formatScaled } from './parquet-part.js';

describe('typed column values', () => {
  it('decimals are padded to their scale, never rounded; extra digits or precision fail', () => {
    expect(fitDecimal('12.5', 18, 2)).toBe('12.50');
    expect(fitDecimal(12.5, 18, 2)).toBe('12.50');
    expect(fitDecimal('-0.000', 18, 2)).toBe('0.00');
    expect(fitDecimal('1.230', 18, 2)).toBe('1.23');
    expect(fitDecimal('7', 18, 0)).toBe('7');
    expect(fitDecimal(1e-7, 18, 7)).toBe('0.0000001');
    expect(fitDecimal('1.235', 18, 2)).toBeUndefined();
    expect(fitDecimal('1234', 5, 2)).toBeUndefined();
    expect(fitDecimal('123', 5, 2)).toBe('123.00');
    expect(fitDecimal('1e3', 18, 2)).toBeUndefined();
    expect(fitDecimal(true, 18, 2)).toBeUndefined();
  });

  it('timestamps become canonical UTC instants at their unit; a finer time fails', () => {
    expect(fitInstant('2026-02-10T01:00:00+01:00', 3)).toBe('2026-02-10T00:00:00.000Z');
    expect(fitInstant('2026-02-10T00:00:00.1Z', 6)).toBe('2026-02-10T00:00:00.100000Z');
    expect(fitInstant('2026-02-10T00:00:00.123000Z', 3)).toBe('2026-02-10T00:00:00.123Z');
    expect(fitInstant('2026-02-10T00:00:00.1234Z', 3)).toBeUndefined();
    expect(fitInstant('2026-02-30T00:00:00Z', 3)).toBeUndefined();
    expect(fitInstant('2026-02-10 00:00:00Z', 3)).toBeUndefined();
  });

  it('int64 rows hold exact JS numbers only', () => {
    const coerce = coercerFor({ name: 'n', type: 'int64', nullable: true, source: 'feature' });
    expect(coerce?.(5, 'e')).toBe(5);
    expect(coerce?.('-12', 'e')).toBe(-12);
    expect(coerce?.(undefined, 'e')).toBeNull();
    expect(() => coerce?.(2 ** 53, 'e')).toThrow(expect.objectContaining({ code: 'COLUMN_VALUE_OUT_OF_TYPE' }));
    expect(() => coerce?.('9223372036854775807', 'e')).toThrow(expect.objectContaining({ code: 'COLUMN_VALUE_OUT_OF_TYPE' }));
  });

  it('unscaled integers format back exactly', () => {
    expect(formatScaled(-50n, 2)).toBe('-0.50');
    expect(formatScaled(0n, 3)).toBe('0.000');
    expect(formatScaled(123456789012345678901234567890n, 6)).toBe('123456789012345678901234.567890');
  });
});
