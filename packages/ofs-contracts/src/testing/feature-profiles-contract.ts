import { describe, expect, it } from 'vitest';
import { isOfsError } from '../errors.js';
import type { FeatureProfiles } from '../ports/feature-profiles.js';
import type { FeatureProfile } from '../records/feature-profile.js';

/** A valid profile for contract tests; `version` and `extra` features vary it. */
export function sampleFeatureProfile(version = 'v1', extraFeatures: FeatureProfile['features'] = []): FeatureProfile {
  return {
    schema_version: 'learning.ofs_feature_profile.v1',
    feature_set_id: 'contract_features',
    feature_set_version: version,
    entities: { card: 'card_id' },
    features: [
      { name: 'amount', kind: 'field', path: 'amount' },
      { name: 'card_count_1h', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 3600 },
      ...extraFeatures,
    ],
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}

/**
 * The `FeatureProfiles` contract: `make(profiles)` returns an adapter serving exactly those
 * (valid) profiles. Checks explicit id+version resolution, a stable 64-hex digest that changes
 * with content, and `FEATURE_PROFILE_UNRESOLVED` for anything not configured (never "latest").
 */
export function describeFeatureProfilesContract(
  name: string,
  make: (profiles: readonly FeatureProfile[]) => Promise<FeatureProfiles>,
): void {
  describe(`FeatureProfiles contract: ${name}`, () => {
    const v1 = sampleFeatureProfile('v1');
    const v2 = sampleFeatureProfile('v2', [
      { name: 'card_amount_sum_1d', kind: 'window', entity: 'card', aggregate: 'sum', path: 'amount', window_seconds: 86_400 },
    ]);

    it('resolves a profile by explicit id and version, with a ref and a stable digest', async () => {
      const profiles = await make([v1, v2]);
      const a = await profiles.resolve('contract_features', 'v1');
      expect(a.profile).toEqual(v1);
      expect(a.ref.length).toBeGreaterThan(0);
      expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
      const again = await profiles.resolve('contract_features', 'v1');
      expect(again.digest).toBe(a.digest);
      const b = await profiles.resolve('contract_features', 'v2');
      expect(b.profile).toEqual(v2);
      expect(b.digest).not.toBe(a.digest);
      expect(b.ref).not.toBe(a.ref);
    });

    it('gives equal content an equal digest and different content another', async () => {
      const same = await (await make([sampleFeatureProfile('v1')])).resolve('contract_features', 'v1');
      const changed = await (await make([{ ...sampleFeatureProfile('v1'), description: 'changed' }])).resolve('contract_features', 'v1');
      const original = await (await make([v1])).resolve('contract_features', 'v1');
      expect(same.digest).toBe(original.digest);
      expect(changed.digest).not.toBe(original.digest);
    });

    it('is FEATURE_PROFILE_UNRESOLVED for an unknown id or version, never a fallback', async () => {
      const profiles = await make([v1]);
      expect(await codeOf(profiles.resolve('contract_features', 'v3'))).toBe('FEATURE_PROFILE_UNRESOLVED');
      expect(await codeOf(profiles.resolve('contract_features', 'latest'))).toBe('FEATURE_PROFILE_UNRESOLVED');
      expect(await codeOf(profiles.resolve('other_features', 'v1'))).toBe('FEATURE_PROFILE_UNRESOLVED');
    });

    it('throws ABORTED for an aborted signal', async () => {
      const profiles = await make([v1]);
      expect(await codeOf(profiles.resolve('contract_features', 'v1', { signal: AbortSignal.abort() }))).toBe('ABORTED');
    });
  });
}
