import { describe, expect, it } from 'vitest';
import {
  type CoveragePolicyDefaults,
  checkIntentScope,
  coverageGateReasons,
  coveragePolicyOf,
  resolveCoveragePolicy,
} from './coverage-policy.js';
import { isOfsError } from './errors.js';
import type { BuildIntent } from './records/intent.js';

const HOST: CoveragePolicyDefaults = {
  label_types: ['fraud_disposition'],
  min_label_coverage: 0.5,
  max_conflict_ratio: 0.1,
  label_taxonomy: ['account_takeover', 'chargeback_status', 'fraud_disposition'],
};

/** An intent's scope fields as a caller may pass them (loosely typed JSON). */
const scope = (filters: Record<string, unknown> = {}, join_scope: Record<string, unknown> = {}) =>
  ({ filters, join_scope }) as unknown as Pick<BuildIntent, 'filters' | 'join_scope'>;

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (isOfsError(error)) return error.code;
    throw error;
  }
};

describe('resolveCoveragePolicy (the reference rules, ref-spec-3 §2.3, host policy as defaults)', () => {
  it('without anything in the intent, the host policy decides', () => {
    expect(resolveCoveragePolicy(scope(), HOST)).toEqual({
      label_types: ['fraud_disposition'],
      min_coverage_by_label_type: { fraud_disposition: 0.5 },
      max_conflict_ratio: 0.1,
    });
  });

  it('an empty object, null or "" as label_coverage_policy is ignored', () => {
    for (const value of [{}, null, '']) {
      expect(resolveCoveragePolicy(scope({ label_coverage_policy: value }), HOST)).toEqual(resolveCoveragePolicy(scope(), HOST));
    }
  });

  it("the intent's threshold map replaces the defaults wholesale and its keys choose the types", () => {
    const policy = resolveCoveragePolicy(
      scope({
        label_coverage_policy: { min_coverage_by_label_type: { chargeback_status: 0.99, account_takeover: 0.2 }, max_conflict_ratio: 0 },
      }),
      HOST,
    );
    expect(policy).toEqual({
      label_types: ['account_takeover', 'chargeback_status'],
      min_coverage_by_label_type: { account_takeover: 0.2, chargeback_status: 0.99 },
      max_conflict_ratio: 0,
    });
  });

  it('the intent may ask for less than the host default when the host sets no floor (the reference rule)', () => {
    const policy = resolveCoveragePolicy(scope({ label_coverage_policy: { min_coverage_by_label_type: { fraud_disposition: 0 } } }), HOST);
    expect(policy.min_coverage_by_label_type).toEqual({ fraud_disposition: 0 });
  });

  it('label types: filters.label_types, then join_scope.label_types, then the map keys, then the host; trimmed, sorted, unique', () => {
    const map = { label_coverage_policy: { min_coverage_by_label_type: { chargeback_status: 0.7 } } };
    expect(
      resolveCoveragePolicy(scope({ ...map, label_types: [' fraud_disposition ', '', 'chargeback_status', 'fraud_disposition'] }), HOST),
    ).toEqual({
      label_types: ['chargeback_status', 'fraud_disposition'],
      // a listed type without a threshold gets 1.0
      min_coverage_by_label_type: { chargeback_status: 0.7, fraud_disposition: 1 },
      max_conflict_ratio: 0.1,
    });
    expect(resolveCoveragePolicy(scope(map, { label_types: ['account_takeover'] }), HOST).label_types).toEqual(['account_takeover']);
    // filters wins over join_scope; blanks only fall through to the next source
    expect(resolveCoveragePolicy(scope({ ...map, label_types: ['  '] }, { label_types: ['account_takeover'] }), HOST).label_types).toEqual([
      'account_takeover',
    ]);
    expect(resolveCoveragePolicy(scope(map), HOST).label_types).toEqual(['chargeback_status']);
  });

  it('thresholds of types that were not chosen are dropped', () => {
    const policy = resolveCoveragePolicy(
      scope({
        label_types: ['fraud_disposition'],
        label_coverage_policy: { min_coverage_by_label_type: { fraud_disposition: 0.3, chargeback_status: 0.9 } },
      }),
      HOST,
    );
    expect(policy.min_coverage_by_label_type).toEqual({ fraud_disposition: 0.3 });
  });

  it('booleans pass as 0/1 like the reference; anything else outside [0, 1] is LABEL_POLICY_INVALID', () => {
    expect(
      resolveCoveragePolicy(scope({ label_coverage_policy: { min_coverage_by_label_type: { fraud_disposition: true } } }), HOST)
        .min_coverage_by_label_type,
    ).toEqual({ fraud_disposition: 1 });
    for (const bad of [1.01, -0.1, '0.5', null, Number.NaN, {}]) {
      expect(
        codeOf(() =>
          resolveCoveragePolicy(scope({ label_coverage_policy: { min_coverage_by_label_type: { fraud_disposition: bad } } }), HOST),
        ),
      ).toBe('LABEL_POLICY_INVALID');
      expect(codeOf(() => resolveCoveragePolicy(scope({ label_coverage_policy: { max_conflict_ratio: bad } }), HOST))).toBe(
        'LABEL_POLICY_INVALID',
      );
    }
  });

  it('a malformed policy, map, type list or unknown field is LABEL_POLICY_INVALID (refused, not ignored)', () => {
    for (const filters of [
      { label_coverage_policy: [] },
      { label_coverage_policy: 0.9 },
      { label_coverage_policy: { min_coverage_by_label_type: [0.9] } },
      { label_coverage_policy: { min_coverage: 0.9 } },
      { label_types: 'fraud_disposition' },
      { label_types: [7] },
    ]) {
      expect(codeOf(() => resolveCoveragePolicy(scope(filters), HOST))).toBe('LABEL_POLICY_INVALID');
    }
  });

  it('a type outside the taxonomy is LABEL_POLICY_INVALID; no type at all is LABEL_TYPE_SCOPE_UNRESOLVED', () => {
    expect(codeOf(() => resolveCoveragePolicy(scope({ label_types: ['velocity'] }), HOST))).toBe('LABEL_POLICY_INVALID');
    // Without an explicit taxonomy, the host's types and threshold keys are the taxonomy.
    const { label_taxonomy: _, ...noTaxonomy } = HOST;
    expect(codeOf(() => resolveCoveragePolicy(scope({ label_types: ['chargeback_status'] }), noTaxonomy))).toBe('LABEL_POLICY_INVALID');
    expect(
      codeOf(() =>
        resolveCoveragePolicy(scope({ label_coverage_policy: { min_coverage_by_label_type: {} } }), { ...HOST, label_types: [] }),
      ),
    ).toBe('LABEL_TYPE_SCOPE_UNRESOLVED');
  });

  it('a host floor is never weakened: an intent below it is COVERAGE_POLICY_BELOW_FLOOR, at or above it passes', () => {
    const floored = {
      ...HOST,
      min_label_coverage_floor: 0.8,
      max_conflict_ratio_ceiling: 0.05,
      max_conflict_ratio: 0.05,
      min_label_coverage: 0.9,
    };
    expect(
      codeOf(() =>
        resolveCoveragePolicy(scope({ label_coverage_policy: { min_coverage_by_label_type: { fraud_disposition: 0.5 } } }), floored),
      ),
    ).toBe('COVERAGE_POLICY_BELOW_FLOOR');
    expect(codeOf(() => resolveCoveragePolicy(scope({ label_coverage_policy: { max_conflict_ratio: 0.5 } }), floored))).toBe(
      'COVERAGE_POLICY_BELOW_FLOOR',
    );
    expect(
      resolveCoveragePolicy(scope({ label_coverage_policy: { min_coverage_by_label_type: { fraud_disposition: 0.99 } } }), floored),
    ).toEqual({
      label_types: ['fraud_disposition'],
      min_coverage_by_label_type: { fraud_disposition: 0.99 },
      max_conflict_ratio: 0.05,
    });
    expect(resolveCoveragePolicy(scope(), floored).min_coverage_by_label_type).toEqual({ fraud_disposition: 0.9 });
  });

  it('a host map of defaults replaces min_label_coverage per type', () => {
    const host = {
      ...HOST,
      label_types: ['chargeback_status', 'fraud_disposition'],
      min_coverage_by_label_type: { fraud_disposition: 0.7 },
    };
    expect(resolveCoveragePolicy(scope(), host)).toEqual({
      label_types: ['fraud_disposition'],
      min_coverage_by_label_type: { fraud_disposition: 0.7 },
      max_conflict_ratio: 0.1,
    });
    expect(
      resolveCoveragePolicy(scope({ label_types: ['chargeback_status', 'fraud_disposition'] }), host).min_coverage_by_label_type,
    ).toEqual({
      chargeback_status: 1,
      fraud_disposition: 0.7,
    });
  });
});

describe('checkIntentScope', () => {
  it('accepts the keys the corridor implements', () => {
    expect(() =>
      checkIntentScope(
        scope(
          { label_posture: 'KNOW_NOW', label_coverage_policy: {}, label_types: ['fraud_disposition'] },
          { subject_key: 'platform_run_id,event_id', required_output_ids: ['x'], label_types: [] },
        ),
      ),
    ).not.toThrow();
  });

  it('refuses every other filters or join_scope key, and another subject key, naming the path', () => {
    for (const [intent, path] of [
      [scope({ country: ['US'] }), '/filters/country'],
      [scope({ merchant_segment: ['sm_biz'], label_posture: 'KNEW_THEN' }), '/filters/merchant_segment'],
      [scope({}, { join_sources: ['label_store'] }), '/join_scope/join_sources'],
      [scope({}, { subject_key: 'event_id' }), '/join_scope/subject_key'],
    ] as const) {
      let caught: unknown;
      try {
        checkIntentScope(intent);
      } catch (error) {
        caught = error;
      }
      expect(isOfsError(caught, 'INTENT_SCOPE_UNSUPPORTED')).toBe(true);
      expect((caught as { details: { path: string } }).details.path).toBe(path);
    }
  });
});

describe('the gate rule', () => {
  it('each type against its own minimum; conflicts against the maximum; sorted reasons', () => {
    const policy = {
      label_types: ['b', 'a'],
      min_coverage_by_label_type: { a: 0.9, b: 0.1 },
      max_conflict_ratio: 0.05,
    };
    expect(coverageGateReasons(policy, { a: 0.5, b: 0.5 }, { a: 0, b: 0.1 })).toEqual([
      'CONFLICT_RATIO_ABOVE_MAX:b',
      'COVERAGE_BELOW_MIN:a',
    ]);
    expect(coverageGateReasons(policy, { a: 0.9, b: 0.1 }, { a: 0.05, b: 0 })).toEqual([]);
  });

  it('a plan without a pinned coverage policy is gated by the host policy as before', () => {
    expect(coveragePolicyOf({}, { label_types: ['y', 'x'], min_label_coverage: 0.4, max_conflict_ratio: 0.2 })).toEqual({
      label_types: ['y', 'x'],
      min_coverage_by_label_type: { y: 0.4, x: 0.4 },
      max_conflict_ratio: 0.2,
    });
  });
});
