import {
  type AbortOptions,
  type FeatureDefinitionSet,
  type FeatureProfiles,
  isOfsError,
  type ObjectStore,
  OfsError,
  PROFILE_PIN_SCHEMA_VERSION,
  type ProfilePin,
  parseFeatureProfile,
  type ResolvedFeatureProfile,
} from '@ofs/contracts';
import { digestOf, readJson, writeOnceJson } from '@ofs/ids';

/**
 * The store key of a profile's pin: global (not per run), named by a digest of id and version so
 * any id or version (even one that is not a safe key segment) gets a safe, fixed key.
 */
export function profilePinKey(set: FeatureDefinitionSet): string {
  const name = digestOf({
    recipe: 'ofs.profile_pin_key.v1',
    feature_set_id: set.feature_set_id,
    feature_set_version: set.feature_set_version,
  }).slice(0, 32);
  return `ofs/profile_digests/${name}.json`;
}

/**
 * Resolves the intent's feature profile through the `FeatureProfiles` port and pins it.
 *
 * The returned profile is re-validated (`FEATURE_PROFILE_INVALID`), must be the id and version
 * asked for, and its digest must be the canonical digest of its content — a host adapter cannot
 * hand back a stale or mislabelled digest. Then the digest is recorded write-once at
 * `profilePinKey(set)`; when an earlier resolution recorded another digest for the same id and
 * version, the profile changed under a fixed version: `FEATURE_PROFILE_DRIFT`. Port failures
 * that are not `OfsError`s become `FEATURE_PROFILE_UNRESOLVED`.
 */
export async function resolvePinnedProfile(
  profiles: FeatureProfiles,
  store: ObjectStore,
  set: FeatureDefinitionSet,
  options?: AbortOptions,
): Promise<ResolvedFeatureProfile> {
  const wanted = `${set.feature_set_id}@${set.feature_set_version}`;
  let resolved: ResolvedFeatureProfile;
  try {
    resolved = await profiles.resolve(set.feature_set_id, set.feature_set_version, options);
  } catch (error) {
    if (isOfsError(error)) throw error;
    throw new OfsError('FEATURE_PROFILE_UNRESOLVED', { message: `feature profile ${wanted} could not be resolved`, cause: error });
  }
  if (typeof resolved !== 'object' || resolved === null || typeof resolved.ref !== 'string' || resolved.ref === '') {
    throw new OfsError('FEATURE_PROFILE_UNRESOLVED', {
      message: `feature profile ${wanted}: the adapter returned no ref`,
      details: { wanted },
    });
  }
  const profile = parseFeatureProfile(resolved.profile);
  if (profile.feature_set_id !== set.feature_set_id || profile.feature_set_version !== set.feature_set_version) {
    throw new OfsError('FEATURE_PROFILE_INVALID', {
      message: `feature profile ${resolved.ref} is ${profile.feature_set_id}@${profile.feature_set_version}, not ${wanted}`,
      details: { ref: resolved.ref, wanted },
    });
  }
  const digest = digestOf(profile);
  if (resolved.digest !== digest) {
    throw new OfsError('FEATURE_PROFILE_INVALID', {
      message: `feature profile ${resolved.ref}: the digest the adapter reported is not the digest of its content`,
      details: { ref: resolved.ref, reported: String(resolved.digest), computed: digest },
    });
  }

  const pin: ProfilePin = {
    schema_version: PROFILE_PIN_SCHEMA_VERSION,
    feature_set_id: set.feature_set_id,
    feature_set_version: set.feature_set_version,
    digest,
  };
  const key = profilePinKey(set);
  try {
    await writeOnceJson(store, key, pin, options);
  } catch (error) {
    if (!isOfsError(error, 'ARTIFACT_IMMUTABILITY_VIOLATION')) throw error;
    const recorded = (await readJson(store, key, options)) as Partial<ProfilePin> | undefined;
    throw new OfsError('FEATURE_PROFILE_DRIFT', {
      message: `feature profile ${wanted} changed under the same version: first pinned as ${String(recorded?.digest)}, now ${digest}`,
      details: {
        feature_set_id: set.feature_set_id,
        feature_set_version: set.feature_set_version,
        pinned: recorded?.digest ?? null,
        digest,
        pin_key: key,
      },
    });
  }
  return { ref: resolved.ref, profile, digest };
}
