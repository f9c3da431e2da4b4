import type { Problem } from './errors.js';
import { throwProblems } from './errors.js';
import type { LabelAssertion } from './records/labels.js';
import { type Instant, parseInstant } from './time.js';

const FIELDS = new Set([
  'platform_run_id',
  'event_id',
  'label_type',
  'value',
  'effective_time',
  'observed_time',
  'assertion_id',
  'committed_at',
  'provenance',
]);
const PROVENANCE_FIELDS = new Set([
  'source_type',
  'actor_id',
  'evidence_refs',
  'case_timeline_event_id',
  'pins',
  'payload_hash',
  'label_payload',
]);
const REF_FIELDS = new Set(['ref_type', 'ref_id', 'ref_scope']);
const REQUIRED_TEXT = ['platform_run_id', 'event_id', 'label_type', 'assertion_id'] as const;
const TIMESTAMPS = ['effective_time', 'observed_time'] as const;

/**
 * Every problem of one label assertion, as data: shape problems are `LABEL_ASSERTION_INVALID`,
 * timestamps that are not RFC 3339 instants with an explicit zone are `LABEL_TIMESTAMP_INVALID`.
 * `path` prefixes each problem's path (e.g. `/3` for the fourth assertion of a batch).
 */
export function labelAssertionProblems(value: unknown, path = ''): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: path || '/', code: 'LABEL_ASSERTION_INVALID', message: 'a label assertion must be an object' }];
  }
  const record = value as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const field of REQUIRED_TEXT) {
    const v = record[field];
    if (typeof v !== 'string' || v.length === 0 || v.includes('\u0000')) {
      problems.push({
        path: `${path}/${field}`,
        code: 'LABEL_ASSERTION_INVALID',
        message: `${field} must be a non-empty string without U+0000 (SQL stores cannot hold it)`,
      });
    }
  }
  const v = record.value;
  if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
    problems.push({
      path: `${path}/value`,
      code: 'LABEL_ASSERTION_INVALID',
      message: 'value must be a string, a finite number, a boolean or null',
    });
  }
  for (const field of TIMESTAMPS) {
    const t = record[field];
    if (typeof t !== 'string' || instantSortKey(t) === undefined) {
      problems.push({
        path: `${path}/${field}`,
        code: 'LABEL_TIMESTAMP_INVALID',
        message: `${field} must be an RFC 3339 instant with an explicit zone, got ${JSON.stringify(t)}`,
      });
    }
  }
  if (record.committed_at !== undefined && (typeof record.committed_at !== 'string' || parseInstant(record.committed_at) === undefined)) {
    problems.push({
      path: `${path}/committed_at`,
      code: 'LABEL_TIMESTAMP_INVALID',
      message: 'committed_at, when present, must be an RFC 3339 instant with an explicit zone',
    });
  }
  if (record.provenance !== undefined) problems.push(...provenanceProblems(record.provenance, `${path}/provenance`));
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) problems.push({ path: `${path}/${key}`, code: 'LABEL_ASSERTION_INVALID', message: `unknown field ${key}` });
  }
  return problems;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && !v.includes('\u0000');
}

/** The problems of an assertion's `provenance` (see `LabelProvenanceSchema`). */
function provenanceProblems(value: unknown, path: string): Problem[] {
  const bad = (at: string, message: string): Problem => ({ path: `${path}${at}`, code: 'LABEL_ASSERTION_INVALID', message });
  if (!isPlainObject(value)) return [bad('', 'provenance must be an object')];
  const problems: Problem[] = [];
  if (!isText(value.source_type)) problems.push(bad('/source_type', 'source_type must be a non-empty string'));
  for (const field of ['actor_id', 'case_timeline_event_id', 'payload_hash'] as const) {
    if (value[field] !== undefined && !isText(value[field]))
      problems.push(bad(`/${field}`, `${field}, when present, must be a non-empty string`));
  }
  for (const field of ['pins', 'label_payload'] as const) {
    if (value[field] !== undefined && !isPlainObject(value[field]))
      problems.push(bad(`/${field}`, `${field}, when present, must be an object`));
  }
  const refs = value.evidence_refs;
  if (!Array.isArray(refs)) problems.push(bad('/evidence_refs', 'evidence_refs must be an array'));
  else {
    refs.forEach((ref: unknown, i) => {
      if (
        !isPlainObject(ref) ||
        !isText(ref.ref_type) ||
        !isText(ref.ref_id) ||
        (ref.ref_scope !== undefined && typeof ref.ref_scope !== 'string')
      ) {
        problems.push(bad(`/evidence_refs/${i}`, 'an evidence ref is {ref_type, ref_id, ref_scope?} with non-empty type and id'));
      } else {
        for (const key of Object.keys(ref))
          if (!REF_FIELDS.has(key)) problems.push(bad(`/evidence_refs/${i}/${key}`, `unknown field ${key}`));
      }
    });
  }
  for (const key of Object.keys(value)) if (!PROVENANCE_FIELDS.has(key)) problems.push(bad(`/${key}`, `unknown field ${key}`));
  return problems;
}

/** JSON text with object keys sorted at every depth (for comparing provenance). */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `true` when two provenance values (either possibly absent) hold the same content. */
export function sameLabelProvenance(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sortedJson(a) === sortedJson(b);
}

/**
 * Throws one `OfsError` listing every problem of every assertion (code of the first problem);
 * returns the assertions typed when all are valid. Label stores call it in `append`.
 */
export function assertLabelAssertions(values: readonly unknown[]): readonly LabelAssertion[] {
  const problems: Problem[] = [];
  values.forEach((value, i) => {
    problems.push(...labelAssertionProblems(value, `/${i}`));
  });
  throwProblems(problems, 'label assertions');
  return values as readonly LabelAssertion[];
}

/**
 * `true` when two assertions state the same thing (every field equal, provenance included,
 * `committed_at` ignored):
 * appending the same `assertion_id` again is idempotent only then.
 */
export function sameLabelAssertion(a: LabelAssertion, b: LabelAssertion): boolean {
  return (
    a.assertion_id === b.assertion_id &&
    a.platform_run_id === b.platform_run_id &&
    a.event_id === b.event_id &&
    a.label_type === b.label_type &&
    Object.is(a.value, b.value) &&
    a.effective_time === b.effective_time &&
    a.observed_time === b.observed_time &&
    sameLabelProvenance(a.provenance, b.provenance)
  );
}

function fixedWidthKey(instant: Instant): string | undefined {
  const ms = instant.epochMs;
  const wholeSecondMs = ms - (((ms % 1000) + 1000) % 1000);
  const date = new Date(wholeSecondMs);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return undefined;
  const base = date.toISOString().slice(0, 19);
  const fracMs = ms - wholeSecondMs;
  return `${base}.${String(fracMs).padStart(3, '0')}${String(instant.subMsNanos).padStart(6, '0')}Z`;
}

/**
 * A fixed-width UTC spelling of an instant, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, whose string order
 * is the instants' order (so SQL stores can compare and index it as text). `undefined` when
 * `text` is not an RFC 3339 instant with an explicit zone, or falls outside the years 0000–9999 UTC.
 */
export function instantSortKey(text: string): string | undefined {
  const instant = parseInstant(text);
  return instant === undefined ? undefined : fixedWidthKey(instant);
}
