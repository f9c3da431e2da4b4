import {
  type LabelAssertion,
  type LabelAssertionInput,
  type LabelProvenance,
  OfsError,
  type Problem,
  type ReferenceLabelAssertion,
  throwProblems,
} from '@ofs/contracts';
import { labelAssertionId, labelAssertionPayloadHash, normalizedEvidenceRefs } from '@ofs/ids';

/** The reference Label Store's source types (ref-spec-3 §1.1); `actor_id` is required for `HUMAN`. */
export const REFERENCE_SOURCE_TYPES: readonly string[] = ['HUMAN', 'EXTERNAL', 'AUTO', 'SYSTEM'];
/** The reference Label Store's evidence ref types (ref-spec-3 §1.1). */
export const REFERENCE_EVIDENCE_REF_TYPES: readonly string[] = [
  'DLA_AUDIT_RECORD',
  'DECISION',
  'ACTION_OUTCOME',
  'EB_ORIGIN_OFFSET',
  'CASE_EVENT',
  'EXTERNAL_REF',
];

const FIELDS = new Set([
  'label_assertion_id',
  'case_timeline_event_id',
  'label_subject_key',
  'pins',
  'label_type',
  'label_value',
  'effective_time',
  'observed_time',
  'source_type',
  'actor_id',
  'evidence_refs',
  'payload_hash',
  'label_payload',
]);
const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0 && !v.includes('\u0000');
}

/** `true` when `value` has the reference Label Store's shape (a `label_subject_key`), not ours. */
export function isReferenceLabelAssertion(value: unknown): value is ReferenceLabelAssertion {
  return isObject(value) && 'label_subject_key' in value;
}

/**
 * The shape problems of one reference assertion (`LABEL_ASSERTION_INVALID`), by the reference
 * writer's rules (ref-spec-3 §1.1) except two: label types and values are not limited to the
 * reference taxonomy (the corridor's policy names its types), and timestamps are checked later, as
 * for every assertion, as RFC 3339 instants with a zone (`LABEL_TIMESTAMP_INVALID`).
 */
export function referenceAssertionProblems(value: unknown, path = ''): Problem[] {
  const bad = (at: string, message: string): Problem => ({ path: `${path}/${at}`, code: 'LABEL_ASSERTION_INVALID', message });
  if (!isObject(value)) return [{ path: path || '/', code: 'LABEL_ASSERTION_INVALID', message: 'a label assertion must be an object' }];
  const problems: Problem[] = [];
  if (typeof value.case_timeline_event_id !== 'string' || !HEX32.test(value.case_timeline_event_id)) {
    problems.push(bad('case_timeline_event_id', 'case_timeline_event_id must be 32 lowercase hex'));
  }
  const subject = value.label_subject_key;
  if (!isObject(subject) || !isText(subject.platform_run_id) || !isText(subject.event_id)) {
    problems.push(bad('label_subject_key', 'label_subject_key must be {platform_run_id, event_id}, both non-empty'));
  }
  const pins = value.pins;
  if (!isObject(pins)) problems.push(bad('pins', 'pins must be an object'));
  else if (isObject(subject) && pins.platform_run_id !== subject.platform_run_id) {
    problems.push(bad('pins/platform_run_id', "pins.platform_run_id must equal the subject's platform_run_id"));
  }
  for (const field of ['label_type', 'label_value', 'effective_time', 'observed_time'] as const) {
    if (!isText(value[field])) problems.push(bad(field, `${field} must be a non-empty string`));
  }
  if (typeof value.source_type !== 'string' || !REFERENCE_SOURCE_TYPES.includes(value.source_type)) {
    problems.push(bad('source_type', `source_type must be one of ${REFERENCE_SOURCE_TYPES.join(', ')}`));
  }
  const actor = value.actor_id;
  if (value.source_type === 'HUMAN' && !isText(actor)) problems.push(bad('actor_id', 'actor_id is required when source_type is HUMAN'));
  else if (actor !== undefined && actor !== null && actor !== '' && !isText(actor))
    problems.push(bad('actor_id', 'actor_id must be a string'));
  const refs = value.evidence_refs;
  if (!Array.isArray(refs) || refs.length === 0) problems.push(bad('evidence_refs', 'evidence_refs must be a non-empty list'));
  else {
    refs.forEach((ref: unknown, i) => {
      const ok =
        isObject(ref) &&
        typeof ref.ref_type === 'string' &&
        REFERENCE_EVIDENCE_REF_TYPES.includes(ref.ref_type) &&
        isText(ref.ref_id) &&
        (ref.ref_scope === undefined || ref.ref_scope === null || typeof ref.ref_scope === 'string') &&
        Object.keys(ref).every((k) => k === 'ref_type' || k === 'ref_id' || k === 'ref_scope');
      if (!ok)
        problems.push(
          bad(
            `evidence_refs/${i}`,
            `an evidence ref is {ref_type, ref_id, ref_scope?} with ref_type one of ${REFERENCE_EVIDENCE_REF_TYPES.join(', ')}`,
          ),
        );
    });
  }
  if (value.label_assertion_id !== undefined && (typeof value.label_assertion_id !== 'string' || !HEX32.test(value.label_assertion_id))) {
    problems.push(bad('label_assertion_id', 'label_assertion_id, when present, must be 32 lowercase hex'));
  }
  if (value.payload_hash !== undefined && (typeof value.payload_hash !== 'string' || !HEX64.test(value.payload_hash))) {
    problems.push(bad('payload_hash', 'payload_hash, when present, must be 64 lowercase hex'));
  }
  if (value.label_payload !== undefined && !isObject(value.label_payload))
    problems.push(bad('label_payload', 'label_payload must be an object'));
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) problems.push(bad(key, `unknown field ${key}`));
  return problems;
}

/**
 * A reference Label Store assertion as the corridor stores it: subject and value in our fields,
 * `assertion_id` = `label_assertion_id` (derived with `ls.label_assertion_id.v1` when absent),
 * source type, actor, evidence refs (sorted as the reference sorts them), case event, pins,
 * `payload_hash` (derived when absent) and `label_payload` kept as `provenance`. A supplied id or
 * hash that differs from the derived one is `LABEL_ASSERTION_ID_MISMATCH`.
 */
export function fromReferenceLabelAssertion(value: ReferenceLabelAssertion, path = ''): LabelAssertion {
  throwProblems(referenceAssertionProblems(value, path), 'reference label assertion');
  const subject = { platform_run_id: value.label_subject_key.platform_run_id, event_id: value.label_subject_key.event_id };
  const id = labelAssertionId({
    case_timeline_event_id: value.case_timeline_event_id,
    label_subject_key: subject,
    label_type: value.label_type,
  });
  if (value.label_assertion_id !== undefined && value.label_assertion_id !== id) {
    throw new OfsError('LABEL_ASSERTION_ID_MISMATCH', {
      message: `label_assertion_id ${value.label_assertion_id} is not the one ls.label_assertion_id.v1 derives (${id})`,
      details: { path: `${path}/label_assertion_id`, supplied: value.label_assertion_id, derived: id },
    });
  }
  const hash = labelAssertionPayloadHash(value);
  if (value.payload_hash !== undefined && value.payload_hash !== hash) {
    throw new OfsError('LABEL_ASSERTION_ID_MISMATCH', {
      message: `payload_hash of assertion ${id} is not the one ls.label_assertion_payload_hash.v1 derives (${hash})`,
      details: { path: `${path}/payload_hash`, supplied: value.payload_hash, derived: hash },
    });
  }
  const provenance: LabelProvenance = {
    source_type: value.source_type,
    evidence_refs: normalizedEvidenceRefs(value.evidence_refs).map((r) =>
      r.ref_scope === '' ? { ref_type: r.ref_type, ref_id: r.ref_id } : r,
    ),
    case_timeline_event_id: value.case_timeline_event_id,
    pins: { ...value.pins },
    payload_hash: hash,
  };
  if (typeof value.actor_id === 'string' && value.actor_id !== '') provenance.actor_id = value.actor_id;
  if (value.label_payload !== undefined) provenance.label_payload = { ...value.label_payload };
  return {
    platform_run_id: subject.platform_run_id,
    event_id: subject.event_id,
    label_type: value.label_type,
    value: value.label_value,
    effective_time: value.effective_time,
    observed_time: value.observed_time,
    assertion_id: id,
    provenance,
  };
}

/**
 * Every input of `append` in our shape: reference assertions are converted with
 * `fromReferenceLabelAssertion` (their position in the batch in the error path), ours are passed
 * through unchanged (the store validates them).
 */
export function toLabelAssertions(inputs: readonly LabelAssertionInput[]): LabelAssertion[] {
  return inputs.map((a, i) => (isReferenceLabelAssertion(a) ? fromReferenceLabelAssertion(a, `/${i}`) : (a as LabelAssertion)));
}
