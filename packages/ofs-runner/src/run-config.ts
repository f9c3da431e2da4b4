import { isOfsError, type BuildIntent, type FeatureProfiles, type JsonObject, type OfsErrorCode, type OfsPolicy } from '@ofs/contracts';
import { digestOf } from '@ofs/ids';

/** Recipe id of the run-config digest; versioned so a change of what it covers is visible. */
export const RUN_CONFIG_DIGEST_RECIPE = 'ofs.run_config_digest.v1';

/** The pins a corridor runs under (also pinned by every intent it accepts). */
export interface CorridorPins {
  /** The configuration revision intents must pin (`config_revision`). */
  readonly configRevision: string;
  /** This code release (`ofs_code_release_id`); the corridor refuses intents of another release. */
  readonly codeReleaseId: string;
}

/**
 * The resolved, outcome-affecting configuration a run-config digest covers. Never secrets,
 * connection strings, paths or host names: only what can change a dataset's bytes or its gates.
 */
export interface RunConfig {
  readonly recipe: typeof RUN_CONFIG_DIGEST_RECIPE;
  /** Canonical digest and revision of the policy content (every field, not just the revision). */
  readonly policy: { readonly revision: string; readonly digest: string };
  /**
   * The feature profile the intent names, as this corridor resolves it. `digest` is `null` with
   * the resolver's error code when the profile cannot be resolved deterministically (the run then
   * fails in planning with that code, on every worker alike).
   */
  readonly profile: {
    readonly feature_set_id: string;
    readonly feature_set_version: string;
    readonly digest: string | null;
    readonly error_code: OfsErrorCode | null;
  };
  readonly code_release_id: string;
  readonly config_revision: string;
  /** Host-supplied outcome-affecting settings (JSON), e.g. a replay source's `verifyHashes`. */
  readonly extra: JsonObject;
}

/** What `resolveRunConfig` needs: the corridor's policy, profiles, pins and optional extras. */
export interface RunConfigInputs {
  readonly policy: OfsPolicy;
  readonly profiles: FeatureProfiles;
  readonly pins: CorridorPins;
  readonly extra?: JsonObject;
}

/**
 * Resolves the run configuration one intent would be built under by this corridor. Deterministic
 * profile failures (and contract-breaking non-`OfsError` throws) are folded into the config (so submitter and worker agree and the plan fails
 * with the real code); retryable ones (the profile store is down) are thrown.
 */
export async function resolveRunConfig(
  intent: BuildIntent,
  inputs: RunConfigInputs,
  options: { signal?: AbortSignal } = {},
): Promise<RunConfig> {
  const { feature_set_id, feature_set_version } = intent.feature_definition_set;
  let digest: string | null = null;
  let errorCode: OfsErrorCode | null = null;
  try {
    const resolved = await inputs.profiles.resolve(feature_set_id, feature_set_version, options);
    digest = resolved.digest;
  } catch (error) {
    if (isOfsError(error) && error.retryable) throw error;
    // A port that throws something other than an OfsError breaks its contract: the plan will
    // fail the same way (INTERNAL_ERROR), so submitter and worker still agree.
    errorCode = isOfsError(error) ? error.code : 'INTERNAL_ERROR';
  }
  return {
    recipe: RUN_CONFIG_DIGEST_RECIPE,
    policy: { revision: inputs.policy.revision, digest: digestOf(inputs.policy) },
    profile: { feature_set_id, feature_set_version, digest, error_code: errorCode },
    code_release_id: inputs.pins.codeReleaseId,
    config_revision: inputs.pins.configRevision,
    extra: inputs.extra ?? {},
  };
}

/** The run-config digest: sha256 hex of the canonical JSON of the resolved `RunConfig`. */
export function runConfigDigest(config: RunConfig): string {
  return digestOf(config);
}
