import {
  type AbortOptions,
  BUILD_PLAN_SCHEMA_VERSION,
  type BuildIntent,
  type BuildPlan,
  BuildPlanSchema,
  canonicalizeInstant,
  compareCodePoints,
  type FeatureProfiles,
  isOfsError,
  LABEL_POSTURES,
  type LabelPosture,
  type ObjectStore,
  type OfsPolicy,
  OfsError,
  type ParityAnchor,
  type ParityAnchorBundle,
  parseBuildIntent,
  parseOfsPolicy,
  throwIfAborted,
} from '@ofs/contracts';
import {
  basisHash,
  canonicalReplayBasis,
  datasetFingerprint,
  datasetManifestId,
  digestOf,
  identityOf,
  planId,
  sha256Hex,
  writeOnceJson,
} from '@ofs/ids';
import { resolvePinnedProfile } from './feature-profile.js';
import { anchorRequired, isAnchorBundle, typeAnchorBundle, typeParityAnchor } from './parity-anchor.js';
import { admitOutputs } from './pass-gate.js';
import type { RefAudit, RefAuditSink } from './ref-audit.js';
import { resolveRef } from './resolve-ref.js';
import { loadRunFacts, readJsonWithBytes } from './run-facts.js';
import { schemaProblems } from './schema-check.js';

/** The pins this deployment runs under; an intent pinning anything else fails closed. */
export interface PlanPins {
  /** The configuration revision in force (`config_revision` must equal it). */
  readonly configRevision: string;
  /** This code release (`ofs_code_release_id` must equal it). */
  readonly codeReleaseId: string;
}

/** The ports and configuration `resolvePlan` needs. */
export interface PlanDeps {
  /** Where run facts and anchors are read and the plan is written. */
  readonly store: ObjectStore;
  /** Resolves the intent's feature profile. */
  readonly profiles: FeatureProfiles;
  /** The OFS policy in force (validated again; its canonical digest is pinned). */
  readonly policy: OfsPolicy;
  /** Config revision and code release in force. */
  readonly pins: PlanPins;
}

/** Options of `resolvePlan`. */
export interface ResolvePlanOptions extends AbortOptions {
  /** World outputs every plan must read (added to `join_scope.required_output_ids`). */
  readonly requiredOutputIds?: readonly string[];
  /** Called for every protected ref as it is resolved or refused (before the error is thrown). */
  readonly onRef?: RefAuditSink;
}

/** What `resolvePlan` returns. */
export interface ResolvedPlan {
  /** The plan, exactly as stored. */
  readonly plan: BuildPlan;
  /** `{platform_run_id}/ofs/plans/{plan_id}.json`. */
  readonly planKey: string;
  /** `created` on the first resolution, `identical` when the same plan was already stored. */
  readonly written: 'created' | 'identical';
  /** Every protected ref resolved, in order (all `RESOLVED`, since a refusal throws). */
  readonly refs: readonly RefAudit[];
}

/** The store key of a plan. */
export function planKeyOf(platformRunId: string, id: string): string {
  return `${platformRunId}/ofs/plans/${id}.json`;
}

/**
 * Resolves every meaning pin of an intent before any replay (DESIGN §6) and writes the plan
 * write-once at `{platform_run_id}/ofs/plans/{plan_id}.json`. In order — which is also the order
 * of precedence of the errors:
 *
 * 1. the intent is validated again (`parseBuildIntent` codes) and `filters.label_posture` read
 *    (`KNEW_THEN` default, `KNOW_NOW`; anything else `SCHEMA_INVALID`);
 * 2. the policy is validated (`POLICY_INVALID`) and the pins compared:
 *    `POLICY_REVISION_MISMATCH`, `CONFIG_REVISION_MISMATCH`, `CODE_RELEASE_MISMATCH`;
 * 3. refs are confined to the run (`REF_INVALID`, `REF_SCOPE_MISMATCH`); a `parity_rebuild`
 *    without an anchor is `PARITY_ANCHOR_INVALID`;
 * 4. run facts by explicit ref, scope checked (`RUN_FACTS_UNAVAILABLE`, `ARTIFACT_CORRUPT`,
 *    `RUN_FACTS_INVALID`);
 * 5. no PASS → no read for every world output used (`NO_PASS_NO_READ`);
 * 6. the feature profile, validated and pinned (`FEATURE_PROFILE_UNRESOLVED`,
 *    `FEATURE_PROFILE_INVALID`, `FEATURE_PROFILE_DRIFT`);
 * 7. the parity anchor, typed (`PARITY_ANCHOR_INVALID`);
 * 8. `plan_id` and the plan, written write-once (`ARTIFACT_IMMUTABILITY_VIOLATION` if different
 *    bytes exist under the same id).
 *
 * Only `dataset_build` publishes: plans of `parity_rebuild` / `forensic_rebuild` resolve the
 * same way (always `NON_TRAINING`) so the rebuild can run, and publication refuses them.
 * Reads nothing but the refs named, writes nothing but the profile pin and the plan.
 */
export async function resolvePlan(intentInput: BuildIntent, deps: PlanDeps, options: ResolvePlanOptions = {}): Promise<ResolvedPlan> {
  const { store, profiles } = deps;
  const signal = options.signal;
  const refs: RefAudit[] = [];
  const audit: RefAuditSink = (entry) => {
    refs.push(entry);
    options.onRef?.(entry);
  };
  const io = signal === undefined ? undefined : { signal };

  throwIfAborted(signal);
  const intent = parseBuildIntent(intentInput);
  const posture = labelPosture(intent);
  const policy = parseOfsPolicy(deps.policy);
  checkPins(intent, policy, deps.pins);
  const requiredOutputIds = requiredOutputs(intent, options.requiredOutputIds ?? []);

  if (intent.intent_kind === 'parity_rebuild' && intent.parity_anchor_ref === undefined) throw anchorRequired(intent.intent_kind);
  const runFactsKey = refusalAudited(audit, intent.run_facts_ref, 'run_facts', () =>
    resolveRef(intent.run_facts_ref, intent.platform_run_id),
  );
  const anchorRef = intent.parity_anchor_ref;
  const anchorKey =
    anchorRef === undefined
      ? undefined
      : refusalAudited(audit, anchorRef, 'parity_anchor', () => resolveRef(anchorRef, intent.platform_run_id));

  const facts = await auditedAsync(audit, intent.run_facts_ref, 'run_facts', () => loadRunFacts(store, runFactsKey, intent, io));
  const outputs = admitOutputs(facts, requiredOutputIds, audit);

  throwIfAborted(signal);
  const profile = await resolvePinnedProfile(profiles, store, intent.feature_definition_set, io);

  let anchor: { ref: string; digest: string; anchor: ParityAnchor | ParityAnchorBundle } | undefined;
  if (anchorKey !== undefined) {
    anchor = await auditedAsync(audit, anchorKey, 'parity_anchor', async () => {
      const read = await readJsonWithBytes(store, anchorKey, io);
      if (read === undefined) {
        throw new OfsError('PARITY_ANCHOR_INVALID', { message: `parity anchor ${anchorKey} does not exist`, details: { ref: anchorKey } });
      }
      const typed = isAnchorBundle(read.json)
        ? typeAnchorBundle(read.json, intent, anchorKey)
        : typeParityAnchor(read.json, intent, anchorKey);
      return { ref: anchorKey, digest: sha256Hex(read.bytes), anchor: typed };
    });
  }

  const fingerprint = datasetFingerprint(identityOf(intent));
  const policyDigest = digestOf(policy);
  const id = planId({
    dataset_fingerprint: fingerprint,
    intent_kind: intent.intent_kind,
    non_training_allowed: intent.non_training_allowed,
    feature_profile_digest: profile.digest,
    run_facts_digest: facts.digest,
    policy_digest: policyDigest,
    parity_anchor_digest: anchor?.digest ?? null,
  });
  const training = intent.intent_kind === 'dataset_build' && !intent.non_training_allowed;
  const plan: BuildPlan = {
    schema_version: BUILD_PLAN_SCHEMA_VERSION,
    plan_id: id,
    intent_kind: intent.intent_kind,
    training_posture: training ? 'TRAINING' : 'NON_TRAINING',
    non_training_allowed: intent.non_training_allowed,
    dataset_fingerprint: fingerprint,
    dataset_manifest_id: datasetManifestId(fingerprint),
    platform_run_id: intent.platform_run_id,
    scenario_run_ids: [...intent.scenario_run_ids].sort(compareCodePoints),
    replay_basis: canonicalReplayBasis(intent.replay_basis),
    basis_hash: basisHash(intent.replay_basis),
    label_basis: {
      label_asof_utc: intent.label_basis.label_asof_utc,
      label_asof_instant: canonicalizeInstant(intent.label_basis.label_asof_utc) as string,
      resolution_rule: intent.label_basis.resolution_rule,
      ...(intent.label_basis.maturity_days === undefined ? {} : { maturity_days: intent.label_basis.maturity_days }),
      posture,
    },
    feature_profile: {
      feature_set_id: intent.feature_definition_set.feature_set_id,
      feature_set_version: intent.feature_definition_set.feature_set_version,
      ref: profile.ref,
      digest: profile.digest,
    },
    run_facts: { ref: runFactsKey, digest: facts.digest, outputs },
    ...(anchor === undefined ? {} : { parity_anchor: anchor as BuildPlan['parity_anchor'] & object }),
    join_scope: structuredClone(intent.join_scope) as BuildPlan['join_scope'],
    filters: structuredClone(intent.filters) as BuildPlan['filters'],
    policy: { revision: policy.revision, digest: policyDigest },
    config_revision: intent.config_revision,
    ofs_code_release_id: intent.ofs_code_release_id,
  };
  const problems = schemaProblems(BuildPlanSchema, plan, 'INTERNAL_ERROR');
  if (problems.length > 0) {
    throw new OfsError('INTERNAL_ERROR', { message: 'resolved plan does not match BuildPlanSchema', details: { problems } });
  }

  throwIfAborted(signal);
  const planKey = planKeyOf(intent.platform_run_id, id);
  const written = await writeOnceJson(store, planKey, plan, io);
  return { plan, planKey, written, refs };
}

function labelPosture(intent: BuildIntent): LabelPosture {
  const value = intent.filters.label_posture;
  if (value === undefined) return 'KNEW_THEN';
  if (typeof value === 'string' && (LABEL_POSTURES as readonly string[]).includes(value)) return value as LabelPosture;
  throw new OfsError('SCHEMA_INVALID', {
    message: `filters.label_posture must be ${LABEL_POSTURES.join(' or ')}, got ${JSON.stringify(value)}`,
    details: { problems: [{ path: '/filters/label_posture', code: 'SCHEMA_INVALID', message: 'unknown label posture' }] },
  });
}

/** Law 3: the intent's pins must be the ones this deployment runs under. */
function checkPins(intent: BuildIntent, policy: OfsPolicy, pins: PlanPins): void {
  if (intent.policy_revision !== policy.revision) {
    throw new OfsError('POLICY_REVISION_MISMATCH', {
      message: `intent pins policy ${intent.policy_revision}, the configured policy is ${policy.revision}`,
      details: { intent: intent.policy_revision, configured: policy.revision },
    });
  }
  if (intent.config_revision !== pins?.configRevision) {
    throw new OfsError('CONFIG_REVISION_MISMATCH', {
      message: `intent pins config ${intent.config_revision}, the configured revision is ${String(pins?.configRevision)}`,
      details: { intent: intent.config_revision, configured: pins?.configRevision ?? null },
    });
  }
  if (intent.ofs_code_release_id !== pins?.codeReleaseId) {
    throw new OfsError('CODE_RELEASE_MISMATCH', {
      message: `intent pins code release ${intent.ofs_code_release_id}, this is ${String(pins?.codeReleaseId)}`,
      details: { intent: intent.ofs_code_release_id, configured: pins?.codeReleaseId ?? null },
    });
  }
}

/** `join_scope.required_output_ids` plus configured ones: de-duplicated, sorted by code point. */
function requiredOutputs(intent: BuildIntent, configured: readonly string[]): string[] {
  const raw = intent.join_scope.required_output_ids;
  const fromIntent: unknown = raw === undefined ? [] : raw;
  const all: unknown[] = Array.isArray(fromIntent) ? [...fromIntent, ...configured] : [undefined];
  for (const id of all) {
    if (typeof id !== 'string' || id.trim() === '') {
      throw new OfsError('SCHEMA_INVALID', {
        message: 'join_scope.required_output_ids must be an array of non-blank strings',
        details: { problems: [{ path: '/join_scope/required_output_ids', code: 'SCHEMA_INVALID', message: 'not a list of output ids' }] },
      });
    }
  }
  return [...new Set(all as string[])].sort(compareCodePoints);
}

/** Runs a synchronous ref check, recording only a refusal (success is recorded once the ref is read). */
function refusalAudited<T>(audit: RefAuditSink, ref: string, purpose: RefAudit['purpose'], fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    audit({ ref, purpose, outcome: isOfsError(error) ? error.code : 'INTERNAL_ERROR' });
    throw error;
  }
}

async function auditedAsync<T>(audit: RefAuditSink, ref: string, purpose: RefAudit['purpose'], fn: () => Promise<T>): Promise<T> {
  try {
    const value = await fn();
    audit({ ref, purpose, outcome: 'RESOLVED' });
    return value;
  } catch (error) {
    audit({ ref, purpose, outcome: isOfsError(error) ? error.code : 'INTERNAL_ERROR' });
    throw error;
  }
}
