import type { OfsErrorCode } from './catalogue.js';
import { type Problem, throwProblems } from './errors.js';
import { isPlainJsonObject, JSON_MAX_DEPTH, jsonValueProblems, parseGuarded } from './json-value.js';
import {
  BUILD_INTENT_SCHEMA_VERSION,
  type BuildIntent,
  INTENT_KINDS,
  type IntentKind,
  type JsonObject,
  type JsonValue,
  LABEL_RESOLUTION_RULE,
  type ReplaySlice,
} from './records/intent.js';
import { compareDecimal, isCanonicalDecimal, isSafeKeySegment, pyTrim } from './text.js';
import { isRfc3339Instant } from './time.js';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{8,128}$/;

/** Root fields in the order their problems are reported (and so which code an error carries). */
const FIELD_ORDER = [
  'schema_version',
  'request_id',
  'intent_kind',
  'platform_run_id',
  'scenario_run_ids',
  'replay_basis',
  'label_basis',
  'feature_definition_set',
  'join_scope',
  'filters',
  'run_facts_ref',
  'parity_anchor_ref',
  'policy_revision',
  'config_revision',
  'ofs_code_release_id',
  'non_training_allowed',
  'time_window',
] as const;

const KNOWN_FIELDS = new Set<string>(FIELD_ORDER);

/** A field counts as present when it exists with a value other than `undefined` (JS callers). */
function present(obj: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(obj, key) && obj[key] !== undefined;
}

/** A plain object (prototype `Object.prototype` or `null`): typed arrays, Maps, class instances are not. */
const isPlainObject = isPlainJsonObject;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && !isPlainObject(value)) return 'a non-plain object';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** Collects problems; each helper returns the cleaned value or `undefined` after recording. */
class Collector {
  readonly problems: Problem[] = [];

  add(path: string, code: OfsErrorCode, message: string): undefined {
    this.problems.push({ path, code, message });
    return undefined;
  }

  /** A required (or present optional) string: must be a string that is non-blank after trimming. */
  text(obj: Record<string, unknown>, key: string, path: string, code: OfsErrorCode, required = true): string | undefined {
    if (!present(obj, key)) {
      return required ? this.add(path, code, `${key} is required`) : undefined;
    }
    const value = obj[key];
    if (typeof value !== 'string') return this.add(path, code, `${key} must be a string, got ${describe(value)}`);
    const trimmed = pyTrim(value);
    if (trimmed === '') return this.add(path, code, `${key} must not be blank`);
    return trimmed;
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

function parseSlice(raw: unknown, i: number, c: Collector): ReplaySlice | undefined {
  const base = `/replay_basis/${i}`;
  if (!isPlainObject(raw)) return c.add(base, 'BASIS_UNRESOLVED', `slice must be an object, got ${describe(raw)}`);
  const before = c.problems.length;
  const topic = c.text(raw, 'topic', `${base}/topic`, 'BASIS_UNRESOLVED');
  let partition: number | undefined;
  if (!present(raw, 'partition')) c.add(`${base}/partition`, 'BASIS_UNRESOLVED', 'partition is required');
  else if (typeof raw.partition !== 'number' || !Number.isSafeInteger(raw.partition) || raw.partition < 0) {
    c.add(`${base}/partition`, 'BASIS_UNRESOLVED', 'partition must be a whole number ≥ 0');
  } else partition = raw.partition;
  const offsetKind = c.text(raw, 'offset_kind', `${base}/offset_kind`, 'BASIS_UNRESOLVED');
  const offsets: (string | undefined)[] = [];
  for (const key of ['start_offset', 'end_offset'] as const) {
    const value = c.text(raw, key, `${base}/${key}`, 'BASIS_UNRESOLVED');
    if (value !== undefined && !isCanonicalDecimal(value)) {
      c.add(`${base}/${key}`, 'OFFSET_NOT_CANONICAL', `${key} ${JSON.stringify(value)} is not a canonical decimal string`);
      offsets.push(undefined);
    } else offsets.push(value);
  }
  const [start, end] = offsets;
  if (start !== undefined && end !== undefined && compareDecimal(start, end) > 0) {
    c.add(base, 'OFFSET_RANGE_INVALID', `start_offset ${start} is greater than end_offset ${end}`);
  }
  for (const key of Object.keys(raw)) {
    if (!['topic', 'partition', 'offset_kind', 'start_offset', 'end_offset'].includes(key)) {
      c.add(`${base}/${escapePointer(key)}`, 'BASIS_UNRESOLVED', `unknown slice field ${JSON.stringify(key)}`);
    }
  }
  if (c.problems.length !== before) return undefined;
  return {
    topic: topic as string,
    partition: partition as number,
    offset_kind: offsetKind as string,
    start_offset: start as string,
    end_offset: end as string,
  };
}

function checkOverlaps(slices: readonly (ReplaySlice | undefined)[], c: Collector): void {
  const byPartition = new Map<string, { slice: ReplaySlice; index: number }[]>();
  slices.forEach((slice, index) => {
    if (!slice) return;
    const key = JSON.stringify([slice.topic, slice.partition]);
    const list = byPartition.get(key) ?? [];
    list.push({ slice, index });
    byPartition.set(key, list);
  });
  for (const list of byPartition.values()) {
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => compareDecimal(a.slice.start_offset, b.slice.start_offset) || a.index - b.index);
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1];
      const cur = sorted[k];
      if (!prev || !cur) continue;
      if (prev.slice.offset_kind !== cur.slice.offset_kind) {
        c.add(
          `/replay_basis/${cur.index}/offset_kind`,
          'BASIS_SLICES_OVERLAP',
          `slices ${prev.index} and ${cur.index} of ${cur.slice.topic}/${cur.slice.partition} use different offset kinds`,
        );
      } else if (compareDecimal(cur.slice.start_offset, prev.slice.end_offset) <= 0) {
        c.add(
          `/replay_basis/${cur.index}`,
          'BASIS_SLICES_OVERLAP',
          `slices ${prev.index} and ${cur.index} of ${cur.slice.topic}/${cur.slice.partition} overlap`,
        );
      }
    }
  }
}

/**
 * Validates and normalises a `learning.ofs_build_intent.v0` payload.
 *
 * Checks everything the reference schema checks plus the stricter rules of the corridor, and
 * reports **every** problem as data. Throws one `OfsError` whose `details.problems` lists them
 * all and whose `code` is the first problem's code in field order; never throws anything else.
 * Work is bounded: free-form JSON (`filters`, `join_scope`) must be plain JSON (no typed arrays,
 * class instances or array holes) at most `JSON_MAX_DEPTH` deep (`VALUE_DEPTH_EXCEEDED`), and the
 * whole intent at most `JSON_MAX_NODES` values counting shared objects per reference
 * (`VALUE_SIZE_EXCEEDED`); arrays with holes are refused, never read as shorter.
 */
export function parseBuildIntent(input: unknown): BuildIntent {
  return parseGuarded('SCHEMA_INVALID', 'invalid build intent', () => parseIntentUnguarded(input));
}

function parseIntentUnguarded(input: unknown): BuildIntent {
  const c = new Collector();
  if (!isPlainObject(input)) {
    c.add('', 'SCHEMA_INVALID', `a build intent must be a JSON object, got ${describe(input)}`);
    throwProblems(c.problems, 'invalid build intent');
  }
  // Bounded work first: a graph of shared objects anywhere (counted per reference) is refused
  // before any field is walked, cloned, frozen or hashed.
  const size = jsonValueProblems(input, '', 'SCHEMA_INVALID', { maxDepth: JSON_MAX_DEPTH + 1 }).filter(
    (p) => p.code === 'VALUE_SIZE_EXCEEDED',
  );
  throwProblems(size, 'invalid build intent');
  const raw = input as Record<string, unknown>;

  if (raw.schema_version !== BUILD_INTENT_SCHEMA_VERSION) {
    c.add('/schema_version', 'SCHEMA_INVALID', `schema_version must be ${JSON.stringify(BUILD_INTENT_SCHEMA_VERSION)}`);
  }

  const requestId = c.text(raw, 'request_id', '/request_id', 'REQUEST_ID_INVALID');
  if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
    c.add('/request_id', 'REQUEST_ID_INVALID', 'request_id must be 8–128 characters of [A-Za-z0-9_.:-]');
  }

  const intentKind = c.text(raw, 'intent_kind', '/intent_kind', 'INTENT_KIND_UNSUPPORTED');
  if (intentKind !== undefined && !(INTENT_KINDS as readonly string[]).includes(intentKind)) {
    c.add('/intent_kind', 'INTENT_KIND_UNSUPPORTED', `intent_kind ${JSON.stringify(intentKind)} is not one of ${INTENT_KINDS.join(', ')}`);
  }

  const platformRunId = c.text(raw, 'platform_run_id', '/platform_run_id', 'RUN_SCOPE_INVALID');
  if (platformRunId !== undefined && !isSafeKeySegment(platformRunId)) {
    c.add('/platform_run_id', 'RUN_SCOPE_INVALID', 'platform_run_id must be 1–128 characters of [A-Za-z0-9._=-] and not "." or ".."');
  }

  const scenarioRunIds: string[] = [];
  if (present(raw, 'scenario_run_ids')) {
    const list = raw.scenario_run_ids;
    if (!Array.isArray(list)) c.add('/scenario_run_ids', 'RUN_SCOPE_INVALID', `scenario_run_ids must be an array, got ${describe(list)}`);
    else {
      const seen = new Set<string>();
      for (let i = 0; i < list.length; i++) {
        const path = `/scenario_run_ids/${i}`;
        if (!Object.hasOwn(list, i)) {
          c.add(path, 'RUN_SCOPE_INVALID', 'scenario_run_ids must not have holes');
          break;
        }
        const item: unknown = list[i];
        if (typeof item !== 'string') {
          c.add(path, 'RUN_SCOPE_INVALID', `scenario run id must be a string, got ${describe(item)}`);
          continue;
        }
        const id = pyTrim(item);
        if (id === '') c.add(path, 'RUN_SCOPE_INVALID', 'scenario run id must not be blank');
        else if (seen.has(id)) c.add(path, 'RUN_SCOPE_INVALID', `duplicate scenario run id ${JSON.stringify(id)}`);
        else {
          seen.add(id);
          scenarioRunIds.push(id);
        }
      }
    }
  }

  const slices: (ReplaySlice | undefined)[] = [];
  if (!present(raw, 'replay_basis')) c.add('/replay_basis', 'BASIS_UNRESOLVED', 'replay_basis is required');
  else if (!Array.isArray(raw.replay_basis) || raw.replay_basis.length === 0) {
    c.add('/replay_basis', 'BASIS_UNRESOLVED', 'replay_basis must be a non-empty array of slices');
  } else {
    const basis: unknown[] = raw.replay_basis;
    for (let i = 0; i < basis.length; i++) {
      if (!Object.hasOwn(basis, i)) {
        // `new Array(n)` is not n slices: a hole is refused, never skipped.
        c.add(`/replay_basis/${i}`, 'BASIS_UNRESOLVED', 'replay_basis must not have holes');
        slices.push(undefined);
        break;
      }
      slices.push(parseSlice(basis[i], i, c));
    }
    checkOverlaps(slices, c);
  }

  let labelBasis: BuildIntent['label_basis'] | undefined;
  if (!present(raw, 'label_basis') || !isPlainObject(raw.label_basis)) {
    c.add('/label_basis', 'LABEL_ASOF_MISSING', 'label_basis must be an object with label_asof_utc and resolution_rule');
  } else {
    const lb = raw.label_basis;
    const before = c.problems.length;
    const asOf = c.text(lb, 'label_asof_utc', '/label_basis/label_asof_utc', 'LABEL_ASOF_MISSING');
    if (asOf !== undefined && !isRfc3339Instant(asOf)) {
      c.add(
        '/label_basis/label_asof_utc',
        'LABEL_ASOF_INVALID',
        `label_asof_utc ${JSON.stringify(asOf)} is not an RFC 3339 instant with an explicit zone`,
      );
    }
    const rule = c.text(lb, 'resolution_rule', '/label_basis/resolution_rule', 'LABEL_ASOF_MISSING');
    if (rule !== undefined && rule !== LABEL_RESOLUTION_RULE) {
      c.add('/label_basis/resolution_rule', 'LABEL_ASOF_INVALID', `resolution_rule must be ${JSON.stringify(LABEL_RESOLUTION_RULE)}`);
    }
    let maturity: number | undefined;
    if (present(lb, 'maturity_days')) {
      const m = lb.maturity_days;
      if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0) {
        c.add('/label_basis/maturity_days', 'LABEL_ASOF_MISSING', 'maturity_days must be a whole number ≥ 0');
      } else maturity = m;
    }
    for (const key of Object.keys(lb)) {
      if (!['label_asof_utc', 'resolution_rule', 'maturity_days'].includes(key)) {
        c.add(`/label_basis/${escapePointer(key)}`, 'SCHEMA_INVALID', `unknown label_basis field ${JSON.stringify(key)}`);
      }
    }
    if (c.problems.length === before) {
      labelBasis = {
        label_asof_utc: asOf as string,
        resolution_rule: rule as string,
        ...(maturity === undefined ? {} : { maturity_days: maturity }),
      };
    }
  }

  let featureSet: BuildIntent['feature_definition_set'] | undefined;
  if (!present(raw, 'feature_definition_set') || !isPlainObject(raw.feature_definition_set)) {
    c.add(
      '/feature_definition_set',
      'FEATURE_PROFILE_UNRESOLVED',
      'feature_definition_set must be an object with feature_set_id and feature_set_version',
    );
  } else {
    const fd = raw.feature_definition_set;
    const id = c.text(fd, 'feature_set_id', '/feature_definition_set/feature_set_id', 'FEATURE_PROFILE_UNRESOLVED');
    const version = c.text(fd, 'feature_set_version', '/feature_definition_set/feature_set_version', 'FEATURE_PROFILE_UNRESOLVED');
    for (const key of Object.keys(fd)) {
      if (key !== 'feature_set_id' && key !== 'feature_set_version') {
        c.add(
          `/feature_definition_set/${escapePointer(key)}`,
          'SCHEMA_INVALID',
          `unknown feature_definition_set field ${JSON.stringify(key)}`,
        );
      }
    }
    if (id !== undefined && version !== undefined) featureSet = { feature_set_id: id, feature_set_version: version };
  }

  const objects: Record<'join_scope' | 'filters', JsonObject> = { join_scope: {}, filters: {} };
  for (const key of ['join_scope', 'filters'] as const) {
    if (!present(raw, key)) continue;
    const value = raw[key];
    if (!isPlainObject(value)) c.add(`/${key}`, 'SCHEMA_INVALID', `${key} must be an object, got ${describe(value)}`);
    else {
      const problems = jsonValueProblems(value, `/${key}`, 'SCHEMA_INVALID');
      for (const p of problems) c.add(p.path, p.code, p.message);
      if (problems.length === 0) objects[key] = cloneJson(value as JsonObject);
    }
  }

  const runFactsRef = c.text(raw, 'run_facts_ref', '/run_facts_ref', 'RUN_FACTS_UNAVAILABLE');
  const parityAnchorRef = c.text(raw, 'parity_anchor_ref', '/parity_anchor_ref', 'PARITY_ANCHOR_INVALID', false);
  const policyRevision = c.text(raw, 'policy_revision', '/policy_revision', 'POLICY_REVISION_MISSING');
  const configRevision = c.text(raw, 'config_revision', '/config_revision', 'CONFIG_REVISION_MISSING');
  const codeRelease = c.text(raw, 'ofs_code_release_id', '/ofs_code_release_id', 'CODE_RELEASE_MISSING');

  let nonTraining = false;
  if (present(raw, 'non_training_allowed')) {
    if (typeof raw.non_training_allowed !== 'boolean')
      c.add('/non_training_allowed', 'SCHEMA_INVALID', 'non_training_allowed must be a boolean');
    else nonTraining = raw.non_training_allowed;
  }

  let timeWindow: JsonObject | undefined;
  if (present(raw, 'time_window')) {
    const tw = raw.time_window;
    if (typeof tw !== 'object' || tw === null || Array.isArray(tw))
      c.add('/time_window', 'SCHEMA_INVALID', 'time_window must be an object');
    else timeWindow = cloneJson(tw as JsonObject);
  }

  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) c.add(`/${escapePointer(key)}`, 'SCHEMA_INVALID', `unknown field ${JSON.stringify(key)}`);
  }

  throwProblems(c.problems, 'invalid build intent');

  const intent: BuildIntent = {
    schema_version: BUILD_INTENT_SCHEMA_VERSION,
    request_id: requestId as string,
    intent_kind: intentKind as IntentKind,
    platform_run_id: platformRunId as string,
    scenario_run_ids: scenarioRunIds,
    replay_basis: slices as ReplaySlice[],
    label_basis: labelBasis as BuildIntent['label_basis'],
    feature_definition_set: featureSet as BuildIntent['feature_definition_set'],
    join_scope: objects.join_scope,
    filters: objects.filters,
    run_facts_ref: runFactsRef as string,
    ...(parityAnchorRef === undefined ? {} : { parity_anchor_ref: parityAnchorRef }),
    policy_revision: policyRevision as string,
    config_revision: configRevision as string,
    ofs_code_release_id: codeRelease as string,
    non_training_allowed: nonTraining,
    ...(timeWindow === undefined ? {} : { time_window: timeWindow }),
  };
  return deepFreeze(intent);
}

/** Like `parseBuildIntent`, but returns the problems instead of throwing. */
export function validateBuildIntent(input: unknown): { ok: true; intent: BuildIntent } | { ok: false; problems: Problem[] } {
  try {
    return { ok: true, intent: parseBuildIntent(input) };
  } catch (error) {
    const problems = (error as { details?: { problems?: Problem[] } }).details?.problems ?? [];
    return { ok: false, problems };
  }
}
