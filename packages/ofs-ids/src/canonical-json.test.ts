import fc from 'fast-check';
import { isOfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalNumber } from './canonical-json.js';

const jsonValue = fc.jsonValue({ maxDepth: 4 });

function shuffleKeys(value: unknown, rnd: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rnd));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(() => rnd() - 0.5);
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, rnd)]));
  }
  return value;
}

describe('canonicalJson', () => {
  it('never depends on key order', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (value, seed) => {
        let s = seed;
        const rnd = () => {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          return s / 0x7fffffff;
        };
        expect(canonicalJson(shuffleKeys(value, rnd))).toBe(canonicalJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('emits printable ASCII only', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), (value, text) => {
        expect(canonicalJson({ value, text, [text]: 1 })).toMatch(/^[\x20-\x7e]*$/);
      }),
      { numRuns: 300 },
    );
  });

  it('is stable through a parse round trip', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips strings of any code units, including lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(JSON.parse(canonicalJson(text))).toBe(text);
      }),
    );
  });

  it('refuses NaN, ±Infinity, undefined, functions, symbols, cycles and non-plain objects with an OfsError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      NaN,
      Infinity,
      -Infinity,
      undefined,
      () => 1,
      Symbol('x'),
      cyclic,
      { a: undefined },
      [1, undefined],
      new Date(0),
      new Map(),
    ];
    for (const value of bad) {
      let caught: unknown;
      try {
        canonicalJson({ nested: [value] });
      } catch (error) {
        caught = error;
      }
      expect(isOfsError(caught, 'CANONICAL_VALUE_INVALID')).toBe(true);
    }
  });

  it('sorts keys by code point, not by UTF-16 unit', () => {
    expect(canonicalJson({ '\u{1F600}': 1, '\uFF5E': 2, é: 3, a: 4, Z: 5 })).toBe(
      '{"Z":5,"a":4,"\\u00e9":3,"\\uff5e":2,"\\ud83d\\ude00":1}',
    );
  });

  it('escapes like Python json.dumps(ensure_ascii=True)', () => {
    expect(canonicalJson('tab\there "q" back\\slash /slash')).toBe('"tab\\there \\"q\\" back\\\\slash /slash"');
    expect(canonicalJson('ctl\u0001\u001f\n\r\b\f\u007f\u2028')).toBe('"ctl\\u0001\\u001f\\n\\r\\b\\f\\u007f\\u2028"');
  });

  it('writes numbers in Python repr form', () => {
    const cases: [number, string][] = [
      [0.5, '0.5'],
      [-2.25, '-2.25'],
      [1e-5, '1e-05'],
      [1e-7, '1e-07'],
      [0.0001, '0.0001'],
      [1.5e-10, '1.5e-10'],
      [-3.868044051960462e-13, '-3.868044051960462e-13'],
      [0.30000000000000004, '0.30000000000000004'],
      [123456789012.5, '123456789012.5'],
      [9007199254740991, '9007199254740991'],
      [1e16, '10000000000000000'],
      [-0, '0'],
    ];
    for (const [n, text] of cases) expect(canonicalNumber(n)).toBe(text);
    expect(canonicalJson(2n ** 64n + 1n)).toBe('18446744073709551617');
  });
});
