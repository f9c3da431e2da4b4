import { describe, expect, it } from 'vitest';
import { isOfsError } from './errors.js';
import { parseFeatureProfile } from './parse-feature-profile.js';

const profile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'core_features',
  feature_set_version: 'v1',
  entities: { card: 'card_id', merchant: 'merchant.id' },
  row_topics: ['fp.bus.traffic.fraud.v1'],
  features: [
    { name: 'amount', kind: 'field', path: 'amount' },
    { name: 'card_txn_count_1h', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 3600 },
    { name: 'card_amount_sum_24h', kind: 'window', entity: 'card', aggregate: 'sum', path: 'amount', window_seconds: 86400 },
  ],
};

function failure(input: unknown): { code: string; feature: unknown; problems: { path: string; message: string }[] } {
  try {
    parseFeatureProfile(input);
  } catch (error) {
    if (!isOfsError(error)) throw error;
    return { code: error.code, feature: error.details.feature, problems: error.details.problems as { path: string; message: string }[] };
  }
  throw new Error('expected FEATURE_PROFILE_INVALID');
}

const withFeature = (feature: Record<string, unknown>) => ({ ...profile, features: [...profile.features, feature] });

describe('parseFeatureProfile', () => {
  it('accepts a valid profile and returns a frozen copy', () => {
    const parsed = parseFeatureProfile(profile);
    expect(parsed).toEqual(profile);
    expect(parsed).not.toBe(profile);
    expect(Object.isFrozen(parsed.features[0])).toBe(true);
  });

  it('names the feature whose window entity is not declared', () => {
    const f = failure(withFeature({ name: 'ip_count', kind: 'window', entity: 'ip', aggregate: 'count', window_seconds: 60 }));
    expect(f.code).toBe('FEATURE_PROFILE_INVALID');
    expect(f.feature).toBe('ip_count');
    expect(f.problems[0]?.path).toBe('/features/3/entity');
  });

  it('requires a path for every aggregate but count', () => {
    for (const aggregate of ['sum', 'min', 'max', 'mean', 'last', 'distinct_count']) {
      const f = failure(withFeature({ name: 'bad_agg', kind: 'window', entity: 'card', aggregate, window_seconds: 60 }));
      expect(f.feature).toBe('bad_agg');
      expect(f.problems.map((p) => p.path)).toContain('/features/3/path');
    }
  });

  it('refuses duplicate feature names', () => {
    const f = failure(withFeature({ name: 'amount', kind: 'field', path: 'amount2' }));
    expect(f.feature).toBe('amount');
    expect(f.problems[0]?.message).toMatch(/duplicate/);
  });

  it('names the feature with a schema problem: unknown aggregate, bad kind, bad window, extra field', () => {
    expect(
      failure(withFeature({ name: 'x_median', kind: 'window', entity: 'card', aggregate: 'median', path: 'a', window_seconds: 5 })).feature,
    ).toBe('x_median');
    expect(failure(withFeature({ name: 'x_kind', kind: 'lookup', path: 'a' })).feature).toBe('x_kind');
    expect(failure(withFeature({ name: 'x_win', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 0 })).feature).toBe(
      'x_win',
    );
    expect(failure(withFeature({ name: 'x_extra', kind: 'field', path: 'a', sql: 'drop table' })).feature).toBe('x_extra');
    expect(failure(withFeature({ kind: 'field', path: 'a' })).feature).toBe('#3');
    expect(failure({ ...profile, features: [...profile.features, 'amount'] }).feature).toBe('#3');
  });

  it('reports top-level problems without a feature', () => {
    const f = failure({ ...profile, schema_version: 'v0', entities: { ...profile.entities, Card: 'card_id' } });
    expect(f.code).toBe('FEATURE_PROFILE_INVALID');
    expect(f.feature).toBeUndefined();
    expect(failure({ ...profile, features: [] }).feature).toBeUndefined();
    expect(failure(null).code).toBe('FEATURE_PROFILE_INVALID');
    expect(failure([profile]).code).toBe('FEATURE_PROFILE_INVALID');
  });
});
