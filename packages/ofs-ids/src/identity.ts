import { type BuildIntent, compareCodePoints, OfsError, pyTrim, type ReplaySlice } from '@ofs/contracts';
import { canonicalJson } from './canonical-json.js';
import { pyInt, pyStr, pyTruthy } from './python-str.js';
import { sha256Hex } from './sha256.js';

/** The canonical dataset identity (reference §2.1): always exactly these ten keys. */
export interface CanonicalDatasetIdentity {
  platform_run_id: string;
  scenario_run_ids: string[];
  replay_basis: ReplaySlice[];
  label_basis: Record<string, unknown>;
  feature_definition_set: Record<string, unknown>;
  join_scope: Record<string, unknown>;
  filters: Record<string, unknown>;
  policy_revision: string;
  config_revision: string;
  ofs_code_release_id: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textField(value: unknown): string {
  return pyTruthy(value) ? pyStr(value) : '';
}

/** Sorts slices as the identity law does: (topic, partition as a number, offset_kind, start, end), strings by code point. */
export function compareSlices(a: ReplaySlice, b: ReplaySlice): number {
  return (
    compareCodePoints(a.topic, b.topic) ||
    a.partition - b.partition ||
    compareCodePoints(a.offset_kind, b.offset_kind) ||
    compareCodePoints(a.start_offset, b.start_offset) ||
    compareCodePoints(a.end_offset, b.end_offset)
  );
}

/** The replay basis in identity-law order, each slice with exactly its five fields. */
export function canonicalReplayBasis(slices: readonly ReplaySlice[]): ReplaySlice[] {
  return slices
    .map((s) => ({
      topic: s.topic,
      partition: s.partition,
      offset_kind: s.offset_kind,
      start_offset: s.start_offset,
      end_offset: s.end_offset,
    }))
    .sort(compareSlices);
}

/**
 * Canonicalises an identity payload exactly as the reference does, including its Python
 * coercions of loosely typed input (`str()` of scalars, falsy → `""`, `int()` of partitions,
 * blank scenario ids dropped, duplicates kept). Unknown top-level keys are ignored.
 */
export function canonicalDatasetIdentity(identity: Record<string, unknown>): CanonicalDatasetIdentity {
  const scenario = Array.isArray(identity.scenario_run_ids)
    ? identity.scenario_run_ids
        .map((v) => pyTrim(pyStr(v)))
        .filter((v) => v !== '')
        .sort(compareCodePoints)
    : [];
  const basis: ReplaySlice[] = [];
  if (Array.isArray(identity.replay_basis)) {
    for (const item of identity.replay_basis) {
      if (!isPlainObject(item)) continue;
      basis.push({
        topic: textField(item.topic),
        partition: pyInt(item.partition),
        offset_kind: textField(item.offset_kind),
        start_offset: textField(item.start_offset),
        end_offset: textField(item.end_offset),
      });
    }
  }
  basis.sort(compareSlices);
  const mapping = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : {});
  return {
    platform_run_id: textField(identity.platform_run_id),
    scenario_run_ids: scenario,
    replay_basis: basis,
    label_basis: mapping(identity.label_basis),
    feature_definition_set: mapping(identity.feature_definition_set),
    join_scope: mapping(identity.join_scope),
    filters: mapping(identity.filters),
    policy_revision: textField(identity.policy_revision),
    config_revision: textField(identity.config_revision),
    ofs_code_release_id: textField(identity.ofs_code_release_id),
  };
}

/** The exact ASCII text the fingerprint hashes. */
export function fingerprintPreimage(identity: Record<string, unknown>): string {
  return canonicalJson({ recipe: 'ofs.dataset_fingerprint.v1', payload: canonicalDatasetIdentity(identity) });
}

/** `dataset_fingerprint`: sha256 hex of the canonical identity envelope (recipe `ofs.dataset_fingerprint.v1`). */
export function datasetFingerprint(identity: Record<string, unknown>): string {
  return sha256Hex(fingerprintPreimage(identity));
}

/** `dataset_manifest_id`: `dm_` + the first 32 hex of the manifest-id envelope's sha256. */
export function datasetManifestId(fingerprint: string): string {
  const fp = pyTrim(fingerprint ?? '');
  if (fp.length < 8) throw new OfsError('CANONICAL_VALUE_INVALID', { message: 'dataset_fingerprint must have at least 8 characters' });
  return `dm_${sha256Hex(canonicalJson({ recipe: 'ofs.dataset_manifest_id.v1', payload: { dataset_fingerprint: fp } })).slice(0, 32)}`;
}

/** `run_key`: the first 32 hex of the sha256 of `{"recipe":"ofs.run_key.v1","request_id":R}`. */
export function runKey(requestId: string): string {
  const id = typeof requestId === 'string' ? pyTrim(requestId) : '';
  if (id === '') throw new OfsError('REQUEST_ID_INVALID', { message: 'request_id must not be blank' });
  return sha256Hex(canonicalJson({ recipe: 'ofs.run_key.v1', request_id: id })).slice(0, 32);
}

/** The identity payload of a parsed intent (reference §1.5): what the fingerprint is computed over. */
export function identityOf(intent: BuildIntent): Record<string, unknown> {
  return {
    platform_run_id: intent.platform_run_id,
    scenario_run_ids: [...intent.scenario_run_ids],
    replay_basis: intent.replay_basis.map((s) => ({ ...s })),
    label_basis: { ...intent.label_basis },
    feature_definition_set: { ...intent.feature_definition_set },
    join_scope: intent.join_scope,
    filters: intent.filters,
    policy_revision: intent.policy_revision,
    config_revision: intent.config_revision,
    ofs_code_release_id: intent.ofs_code_release_id,
  };
}

/** The canonical intent dictionary the payload hash covers (reference §1.5). */
export function canonicalIntentDict(intent: BuildIntent): Record<string, unknown> {
  return {
    schema_version: intent.schema_version,
    request_id: intent.request_id,
    intent_kind: intent.intent_kind,
    platform_run_id: intent.platform_run_id,
    replay_basis: intent.replay_basis.map((s) => ({ ...s })),
    label_basis: { ...intent.label_basis },
    feature_definition_set: { ...intent.feature_definition_set },
    join_scope: intent.join_scope,
    filters: intent.filters,
    run_facts_ref: intent.run_facts_ref,
    policy_revision: intent.policy_revision,
    config_revision: intent.config_revision,
    ofs_code_release_id: intent.ofs_code_release_id,
    non_training_allowed: intent.non_training_allowed,
    ...(intent.scenario_run_ids.length > 0 ? { scenario_run_ids: [...intent.scenario_run_ids] } : {}),
    ...(intent.parity_anchor_ref === undefined ? {} : { parity_anchor_ref: intent.parity_anchor_ref }),
  };
}

/**
 * The ledger's idempotency hash (reference §2.7): the canonical intent dictionary encoded, then
 * embedded as a JSON *string* in `{"recipe":"ofs.intent_payload.v1","payload":S}` and hashed.
 * Order-sensitive, like the reference.
 */
export function intentPayloadHash(intent: BuildIntent): string {
  const s = canonicalJson(canonicalIntentDict(intent));
  return sha256Hex(canonicalJson({ recipe: 'ofs.intent_payload.v1', payload: s }));
}

/** sha256 hex of the canonical JSON of `value`: the digest of every record we pin. */
export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** `basis_hash`: digest of the canonical replay basis (recipe `ofs.basis_hash.v1`). */
export function basisHash(slices: readonly ReplaySlice[]): string {
  return digestOf({ recipe: 'ofs.basis_hash.v1', replay_basis: canonicalReplayBasis(slices) });
}

/** The inputs of `plan_id`: everything that can change what a plan builds. */
export interface PlanIdInputs {
  dataset_fingerprint: string;
  intent_kind: string;
  non_training_allowed: boolean;
  feature_profile_digest: string;
  run_facts_digest: string;
  policy_digest: string;
  /** `null` when the intent has no parity anchor. */
  parity_anchor_digest: string | null;
}

/** `plan_id`: `plan_` + the first 32 hex of the sha256 of the `ofs.plan_id.v1` envelope. */
export function planId(inputs: PlanIdInputs): string {
  const payload = {
    dataset_fingerprint: inputs.dataset_fingerprint,
    intent_kind: inputs.intent_kind,
    non_training_allowed: inputs.non_training_allowed,
    feature_profile_digest: inputs.feature_profile_digest,
    run_facts_digest: inputs.run_facts_digest,
    policy_digest: inputs.policy_digest,
    parity_anchor_digest: inputs.parity_anchor_digest,
  };
  return `plan_${digestOf({ recipe: 'ofs.plan_id.v1', payload }).slice(0, 32)}`;
}
