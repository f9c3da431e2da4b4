import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeInstant, compareInstants, parseInstant } from './time.js';

describe('RFC 3339 instants', () => {
  it('treats Z and +00:00 spellings of one instant as equal', () => {
    expect(canonicalizeInstant('2026-02-10T10:00:00Z')).toBe('2026-02-10T10:00:00Z');
    expect(canonicalizeInstant('2026-02-10T10:00:00+00:00')).toBe('2026-02-10T10:00:00Z');
    expect(canonicalizeInstant('2026-02-10T12:30:00.500+02:30')).toBe('2026-02-10T10:00:00.5Z');
    expect(canonicalizeInstant('2026-02-10T10:00:00.000000001Z')).toBe('2026-02-10T10:00:00.000000001Z');
  });

  it('refuses zoneless, impossible and malformed timestamps', () => {
    for (const text of [
      '2026-02-10T10:00:00',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-02-10 10:00Z',
      '2026-02-10T24:00:00Z',
      'yesterday',
      '2026-02-10T10:00:00.1234567890Z',
    ]) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });

  it('orders instants like Date for millisecond timestamps', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        (a, b) => {
          const pa = parseInstant(a.toISOString());
          const pb = parseInstant(b.toISOString());
          expect(pa?.epochMs).toBe(a.getTime());
          expect(Math.sign(compareInstants(pa!, pb!))).toBe(Math.sign(a.getTime() - b.getTime()));
        },
      ),
    );
  });
});
