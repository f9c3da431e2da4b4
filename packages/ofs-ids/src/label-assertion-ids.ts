import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './sha256.js';

/** The reference Label Store's assertion id recipe (wrapped: `{"recipe":R,"payload":P}`). */
export const LABEL_ASSERTION_ID_RECIPE = 'ls.label_assertion_id.v1';
/** The reference Label Store's assertion payload hash recipe (wrapped). */
export const LABEL_ASSERTION_PAYLOAD_HASH_RECIPE = 'ls.label_assertion_payload_hash.v1';

/** The subject of a reference label assertion. */
export interface ReferenceLabelSubjectKey {
  readonly platform_run_id: string;
  readonly event_id: string;
}

/** One evidence reference of a reference label assertion (`ref_scope` optional). */
export interface ReferenceEvidenceRef {
  readonly ref_type: string;
  readonly ref_id: string;
  readonly ref_scope?: string | null | undefined;
}

/** What `labelAssertionId` hashes. */
export interface LabelAssertionIdInputs {
  readonly case_timeline_event_id: string;
  readonly label_subject_key: ReferenceLabelSubjectKey;
  readonly label_type: string;
}

/** What `labelAssertionPayloadHash` hashes. */
export interface LabelAssertionPayloadInputs {
  readonly label_subject_key: ReferenceLabelSubjectKey;
  readonly label_type: string;
  readonly label_value: string;
  readonly effective_time: string;
  readonly observed_time: string;
  readonly source_type: string;
  /** Hashed as `""` when absent or null. */
  readonly actor_id?: string | null | undefined;
  readonly evidence_refs: readonly ReferenceEvidenceRef[];
}

/** sha256 hex of the canonical `{"recipe":recipe,"payload":payload}` (the reference's wrapped style). */
export function wrappedRecipeHash(recipe: string, payload: unknown): string {
  return sha256Hex(canonicalJson({ recipe, payload }));
}

function subjectKey(subject: ReferenceLabelSubjectKey): { platform_run_id: string; event_id: string } {
  return { platform_run_id: String(subject.platform_run_id ?? ''), event_id: String(subject.event_id ?? '') };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Evidence refs as the reference hashes them: each `{ref_type, ref_id, ref_scope}` with a missing
 * scope written as `""`, sorted by (type, id, scope).
 */
export function normalizedEvidenceRefs(refs: readonly ReferenceEvidenceRef[]): { ref_type: string; ref_id: string; ref_scope: string }[] {
  return refs
    .map((r) => ({ ref_type: String(r.ref_type ?? ''), ref_id: String(r.ref_id ?? ''), ref_scope: String(r.ref_scope ?? '') }))
    .sort((a, b) => compareText(a.ref_type, b.ref_type) || compareText(a.ref_id, b.ref_id) || compareText(a.ref_scope, b.ref_scope));
}

/**
 * `label_assertion_id` (reference `ls.label_assertion_id.v1`): the first 32 hex of the wrapped
 * recipe hash over `{case_timeline_event_id, label_subject_key:{platform_run_id, event_id}, label_type}`.
 * Byte-compatible with the reference Label Store (vectors in `label-assertion-ids.test.ts`).
 */
export function labelAssertionId(inputs: LabelAssertionIdInputs): string {
  return wrappedRecipeHash(LABEL_ASSERTION_ID_RECIPE, {
    case_timeline_event_id: String(inputs.case_timeline_event_id),
    label_subject_key: subjectKey(inputs.label_subject_key),
    label_type: String(inputs.label_type),
  }).slice(0, 32);
}

/**
 * `payload_hash` of a reference label assertion (`ls.label_assertion_payload_hash.v1`): the
 * wrapped recipe hash over the subject, type, value, both times, source type, `actor_id` (or `""`)
 * and the normalized evidence refs. `label_payload`, pins and the case event id are not hashed.
 */
export function labelAssertionPayloadHash(inputs: LabelAssertionPayloadInputs): string {
  return wrappedRecipeHash(LABEL_ASSERTION_PAYLOAD_HASH_RECIPE, {
    label_subject_key: subjectKey(inputs.label_subject_key),
    label_type: String(inputs.label_type),
    label_value: String(inputs.label_value),
    effective_time: String(inputs.effective_time),
    observed_time: String(inputs.observed_time),
    source_type: String(inputs.source_type),
    actor_id: String(inputs.actor_id ?? ''),
    evidence_refs: normalizedEvidenceRefs(inputs.evidence_refs),
  });
}
