import { isOfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { CANONICAL_MAX_DEPTH, canonicalJson } from './canonical-json.js';
import { envelopeHash } from './envelope-hash.js';

/** `{ v: { v: … 0 … } }`, `depth` objects deep, built without recursion. */
function deepObject(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
}

/**
 * A DAG of `levels` levels where each level's object references the next one twice: tiny in
 * memory, 2^levels leaves when expanded. Every property read is counted through a Proxy (whose
 * prototype stays `Object.prototype`, so it is a plain object to the encoder).
 */
function countedDag(levels: number): { root: unknown; reads: () => number } {
  let reads = 0;
  let node: unknown = 1;
  for (let i = 0; i < levels; i++) {
    node = new Proxy(
      { a: node, b: node },
      {
        get(target, key, receiver) {
          reads++;
          return Reflect.get(target, key, receiver);
        },
      },
    );
  }
  return { root: node, reads: () => reads };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${(error as Error).constructor.name}`;
  }
}

describe('canonicalJson limits', () => {
  it('refuses a 100k-deep value with VALUE_DEPTH_EXCEEDED (never a RangeError)', () => {
    const deep = deepObject(100_000);
    expect(codeOf(() => canonicalJson(deep))).toBe('VALUE_DEPTH_EXCEEDED');
    const deepArray = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(codeOf(() => canonicalJson(deepArray))).toBe('VALUE_DEPTH_EXCEEDED');
  });

  it('accepts exactly maxDepth levels and refuses one more', () => {
    expect(codeOf(() => canonicalJson(deepObject(CANONICAL_MAX_DEPTH)))).toBe('OK');
    expect(codeOf(() => canonicalJson(deepObject(CANONICAL_MAX_DEPTH + 1)))).toBe('VALUE_DEPTH_EXCEEDED');
    expect(codeOf(() => canonicalJson(deepObject(5), { maxDepth: 4 }))).toBe('VALUE_DEPTH_EXCEEDED');
  });

  it('hashes of 100k-deep envelopes are refused with the same code', () => {
    const payload = deepObject(100_000) as Record<string, unknown>;
    expect(codeOf(() => envelopeHash({ event_id: 'e', ts_utc: '2026-01-01T00:00:00Z', payload }))).toBe('VALUE_DEPTH_EXCEEDED');
  });

  it('stops a 40-level DAG of shared objects within its length budget (counted reads, not time)', () => {
    const dag = countedDag(40);
    expect(codeOf(() => canonicalJson(dag.root, { maxLength: 100_000 }))).toBe('VALUE_SIZE_EXCEEDED');
    // Each property read yields at least 4 characters ("a":…), so the reads are bounded by the budget.
    expect(dag.reads()).toBeLessThan(100_000);
    expect(dag.reads()).toBeGreaterThan(1000);
  });

  it('still encodes shared (acyclic) references in full and refuses cycles', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    expect(codeOf(() => canonicalJson(cyclic))).toBe('CANONICAL_VALUE_INVALID');
  });

  it('counts the encoding exactly: a value of length n passes with maxLength n and fails with n-1', () => {
    const value = { b: [1, 'two', { c: null }], a: true, é: 0.5 };
    const text = canonicalJson(value);
    expect(canonicalJson(value, { maxLength: text.length })).toBe(text);
    expect(codeOf(() => canonicalJson(value, { maxLength: text.length - 1 }))).toBe('VALUE_SIZE_EXCEEDED');
  });
});
