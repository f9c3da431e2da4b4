import { type FeatureProfiles, OfsError, parseFeatureProfile, throwIfAborted } from '@ofs/contracts';
import { digestOf } from '@ofs/ids';

/**
 * A `FeatureProfiles` over profiles held in memory (tests, demos, hosts that load profiles from
 * their own config). Each profile is validated up front (`FEATURE_PROFILE_INVALID`); its ref is
 * `memory:{id}/{version}` and its digest the canonical digest of its content. Two profiles with
 * the same id and version are refused.
 */
export function createMemoryFeatureProfiles(profiles: readonly unknown[]): FeatureProfiles {
  const byKey = new Map<string, ReturnType<typeof parseFeatureProfile>>();
  for (const raw of profiles) {
    const profile = parseFeatureProfile(raw);
    const key = JSON.stringify([profile.feature_set_id, profile.feature_set_version]);
    if (byKey.has(key)) {
      throw new OfsError('FEATURE_PROFILE_INVALID', {
        message: `two profiles for ${profile.feature_set_id}@${profile.feature_set_version}`,
        details: { feature_set_id: profile.feature_set_id, feature_set_version: profile.feature_set_version },
      });
    }
    byKey.set(key, profile);
  }
  return {
    async resolve(featureSetId, featureSetVersion, options) {
      throwIfAborted(options?.signal);
      const profile = byKey.get(JSON.stringify([featureSetId, featureSetVersion]));
      if (profile === undefined) {
        throw new OfsError('FEATURE_PROFILE_UNRESOLVED', {
          message: `feature profile ${featureSetId}@${featureSetVersion} is not configured`,
          details: { feature_set_id: featureSetId, feature_set_version: featureSetVersion },
        });
      }
      return { ref: `memory:${featureSetId}/${featureSetVersion}`, profile, digest: digestOf(profile) };
    },
  };
}
