import type { ResolvedFeatureProfile } from '../records/feature-profile.js';
import type { AbortOptions } from './common.js';

/** Resolves versioned feature profiles by explicit id and version (never "latest"). */
export interface FeatureProfiles {
  /** The profile, its ref and digest; throws `FEATURE_PROFILE_UNRESOLVED` / `FEATURE_PROFILE_INVALID`. */
  resolve(featureSetId: string, featureSetVersion: string, options?: AbortOptions): Promise<ResolvedFeatureProfile>;
}
