import { describe, expect, it } from 'vitest';
import { isOfsError } from './errors.js';
import { JSON_MAX_NODES, jsonValueProblems } from './json-value.js';
import { parseFeatureProfile } from './parse-feature-profile.js';
import { parseBuildIntent } from './parse-intent.js';
import { parseOfsPolicy } from './parse-policy.js';

const intent = {
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.req.limits.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  scenario_run_ids: ['run_a'],
  replay_basis: [{ topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200' }],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc' },
  feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
  filters: { country: ['US'] },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'ofs-policy-v0',
  config_revision: 'local-parity-v0',
  ofs_code_release_id: 'git:abc123',
};
const profile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'core_features',
  feature_set_version: 'v1',
  entities: { card: 'card_id' },
  row_topics: ['fp.bus.traffic.fraud.v1'],
  features: [{ name: 'amount', kind: 'field', path: 'amount' }],
};
const policy = { revision: 'policy-r1', label_types: ['fraud'], min_label_coverage: 0.9, max_conflict_ratio: 0.01 };

/** The code a parse throws; a non-OfsError fails the test with its constructor name. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${(error as Error)?.constructor?.name}`;
  }
}
function problemCodes(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (isOfsError(error)) return ((error.details.problems ?? []) as { code: string }[]).map((p) => p.code);
    throw error;
  }
  return [];
}

/** A DAG of `levels` levels (each object references the next twice) whose property reads are counted. */
function countedDag(levels: number): { root: Record<string, unknown>; reads: () => number } {
  let reads = 0;
  let node: unknown = 'leaf';
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
  return { root: node as Record<string, unknown>, reads: () => reads };
}

/** An array of `length` with only the given indexes set (the others are holes). */
function sparse(length: number, set: Record<number, unknown>): unknown[] {
  const out = new Array(length);
  for (const [i, v] of Object.entries(set)) out[Number(i)] = v;
  return out;
}

function deepObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
}

describe('parsers throw only OfsError, with bounded work', () => {
  it('a typed array (or Map, Date, class instance) in filters is an OfsError, not a TypeError from freezing', () => {
    for (const odd of [new Uint8Array([1, 2]), new Float64Array(3), new Map([[1, 2]]), new Date(0), new (class Point {})()]) {
      expect(codeOf(() => parseBuildIntent({ ...intent, filters: { odd } }))).toBe('SCHEMA_INVALID');
      expect(codeOf(() => parseBuildIntent({ ...intent, filters: odd }))).toBe('SCHEMA_INVALID');
      expect(codeOf(() => parseBuildIntent({ ...intent, join_scope: { k: [odd] } }))).toBe('SCHEMA_INVALID');
      expect(codeOf(() => parseFeatureProfile({ ...profile, entities: { card: odd } }))).toBe('FEATURE_PROFILE_INVALID');
      expect(codeOf(() => parseOfsPolicy({ ...policy, label_types: odd }))).toBe('POLICY_INVALID');
    }
  });

  it('refuses sparse arrays instead of reading them as shorter', () => {
    // `new Array(1)` used to become `replay_basis: []`.
    expect(codeOf(() => parseBuildIntent({ ...intent, replay_basis: new Array(1) }))).toBe('BASIS_UNRESOLVED');
    const holed: unknown[] = [intent.replay_basis[0]];
    holed[2] = { ...intent.replay_basis[0], partition: 1 };
    expect(codeOf(() => parseBuildIntent({ ...intent, replay_basis: holed }))).toBe('BASIS_UNRESOLVED');
    // A sparse array claiming a huge length is refused at its first hole, not walked.
    expect(codeOf(() => parseBuildIntent({ ...intent, replay_basis: new Array(2 ** 31) }))).toBe('BASIS_UNRESOLVED');
    expect(codeOf(() => parseBuildIntent({ ...intent, scenario_run_ids: sparse(3, { 0: 'a', 2: 'b' }) }))).toBe('RUN_SCOPE_INVALID');
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: { country: sparse(3, { 0: 'US', 2: 'FR' }) } }))).toBe('SCHEMA_INVALID');
    expect(codeOf(() => parseFeatureProfile({ ...profile, features: sparse(3, { 0: profile.features[0], 2: profile.features[0] }) }))).toBe(
      'FEATURE_PROFILE_INVALID',
    );
    expect(codeOf(() => parseOfsPolicy({ ...policy, label_types: sparse(3, { 0: 'fraud', 2: 'chargeback' }) }))).toBe('POLICY_INVALID');
  });

  it('a 40-level DAG of shared objects in filters is refused after a bounded number of reads', () => {
    const dag = countedDag(40);
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: { shared: dag.root } }))).toBe('VALUE_SIZE_EXCEEDED');
    // Expanded, the DAG has 2^41 values; the parser reads each reached value at most once, and
    // stops when the node budget is spent.
    expect(dag.reads()).toBeLessThanOrEqual(JSON_MAX_NODES + 1);
    expect(dag.reads()).toBeGreaterThan(1000);
  });

  it('a 40-level DAG in a profile or a policy is refused the same way, before the schema check walks it', () => {
    const a = countedDag(40);
    expect(codeOf(() => parseFeatureProfile({ ...profile, entities: { card: 'card_id', x: a.root } }))).toBe('VALUE_SIZE_EXCEEDED');
    expect(a.reads()).toBeLessThanOrEqual(JSON_MAX_NODES + 1);
    const b = countedDag(40);
    expect(codeOf(() => parseOfsPolicy({ ...policy, extra: b.root }))).toBe('VALUE_SIZE_EXCEEDED');
    expect(b.reads()).toBeLessThanOrEqual(JSON_MAX_NODES + 1);
  });

  it('a DAG that fits the budget is accepted and parsed into an independent frozen copy', () => {
    const leaf = { k: 1 };
    const parsed = parseBuildIntent({ ...intent, filters: { a: leaf, b: leaf } });
    expect(parsed.filters).toEqual({ a: { k: 1 }, b: { k: 1 } });
    expect(Object.isFrozen(parsed.filters.a)).toBe(true);
    expect(Object.isFrozen(leaf)).toBe(false);
  });

  it('100k-deep values are VALUE_DEPTH_EXCEEDED, never a RangeError', () => {
    const deep = deepObject(100_000);
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: deep }))).toBe('VALUE_DEPTH_EXCEEDED');
    expect(codeOf(() => parseBuildIntent({ ...intent, label_basis: deep }))).toBe('LABEL_ASOF_MISSING');
    expect(codeOf(() => parseFeatureProfile({ ...profile, entities: deep }))).toBe('VALUE_DEPTH_EXCEEDED');
    expect(codeOf(() => parseOfsPolicy({ ...policy, extra: deep }))).toBe('VALUE_DEPTH_EXCEEDED');
  });

  it('cycles, throwing accessors and throwing proxies are OfsErrors', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: cyclic }))).toBe('SCHEMA_INVALID');
    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new TypeError('boom');
      },
    });
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: getter }))).toBe('SCHEMA_INVALID');
    expect(
      codeOf(() =>
        parseBuildIntent(
          Object.defineProperty({ ...intent }, 'request_id', {
            enumerable: true,
            get: () => {
              throw new Error('x');
            },
          }),
        ),
      ),
    ).toBe('SCHEMA_INVALID');
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new RangeError('no keys');
        },
      },
    );
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: hostile }))).toBe('SCHEMA_INVALID');
    expect(codeOf(() => parseFeatureProfile(hostile))).toBe('FEATURE_PROFILE_INVALID');
    expect(codeOf(() => parseOfsPolicy(hostile))).toBe('POLICY_INVALID');
  });

  it('jsonValueProblems reports depth, holes and non-JSON values with paths', () => {
    expect(jsonValueProblems({ a: sparse(3, { 0: 1, 2: 3 }), b: new Uint8Array(1), c: Number.NaN }, '/x', 'SCHEMA_INVALID')).toEqual([
      { path: '/x/a/1', code: 'SCHEMA_INVALID', message: 'arrays must not have holes' },
      { path: '/x/b', code: 'SCHEMA_INVALID', message: 'a Uint8Array is not JSON' },
      { path: '/x/c', code: 'SCHEMA_INVALID', message: 'numbers must be finite' },
    ]);
    expect(problemCodes(() => parseBuildIntent({ ...intent, filters: deepObject(70) }))).toEqual(['VALUE_DEPTH_EXCEEDED']);
    expect(codeOf(() => parseBuildIntent({ ...intent, filters: deepObject(60) }))).toBe('OK');
  });
});
