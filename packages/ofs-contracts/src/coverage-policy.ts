import { OfsError } from './errors.js';
import type { CoveragePolicy } from './records/coverage-policy.js';
import type { BuildIntent } from './records/intent.js';
import type { BuildPlan } from './records/plan.js';
import type { OfsPolicy } from './records/policy.js';
import { compareCodePoints, pyTrim } from './text.js';

/** The host policy fields coverage resolution reads (the reference's configuration defaults). */
export type CoveragePolicyDefaults = Pick<
  OfsPolicy,
  | 'label_types'
  | 'min_label_coverage'
  | 'max_conflict_ratio'
  | 'min_coverage_by_label_type'
  | 'label_taxonomy'
  | 'min_label_coverage_floor'
  | 'max_conflict_ratio_ceiling'
>;

/** The keys of `filters` the corridor implements; any other key is `INTENT_SCOPE_UNSUPPORTED`. */
export const SUPPORTED_FILTER_KEYS = ['label_coverage_policy', 'label_posture', 'label_types'] as const;
/** The keys of `join_scope` the corridor implements; any other key is `INTENT_SCOPE_UNSUPPORTED`. */
export const SUPPORTED_JOIN_SCOPE_KEYS = ['label_types', 'required_output_ids', 'subject_key'] as const;
/** The one subject key the corridor joins labels on (the reference's). */
export const SUBJECT_KEY = 'platform_run_id,event_id';
/** The keys a `filters.label_coverage_policy` object may carry. */
const COVERAGE_POLICY_KEYS = ['max_conflict_ratio', 'min_coverage_by_label_type'];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string, details: Record<string, unknown>): OfsError => new OfsError('LABEL_POLICY_INVALID', { message, details });

const unsupported = (path: string, message: string): OfsError => new OfsError('INTENT_SCOPE_UNSUPPORTED', { message, details: { path } });

/**
 * Refuses every `filters` / `join_scope` key the corridor does not implement, so nothing the
 * intent asks for is hashed into its identity and then ignored (decisions D85). Implemented:
 * `filters.{label_posture, label_coverage_policy, label_types}` and
 * `join_scope.{required_output_ids, label_types, subject_key}` (the subject key must be
 * `platform_run_id,event_id`). Throws `INTENT_SCOPE_UNSUPPORTED` naming the first offending path
 * (keys in code-point order).
 */
export function checkIntentScope(intent: Pick<BuildIntent, 'filters' | 'join_scope'>): void {
  for (const key of Object.keys(intent.filters).sort(compareCodePoints)) {
    if (!(SUPPORTED_FILTER_KEYS as readonly string[]).includes(key)) {
      throw unsupported(
        `/filters/${key}`,
        `filters.${key} is not implemented by the corridor (supported: ${SUPPORTED_FILTER_KEYS.join(', ')}); remove it or use a corridor that implements it`,
      );
    }
  }
  for (const key of Object.keys(intent.join_scope).sort(compareCodePoints)) {
    if (!(SUPPORTED_JOIN_SCOPE_KEYS as readonly string[]).includes(key)) {
      throw unsupported(
        `/join_scope/${key}`,
        `join_scope.${key} is not implemented by the corridor (supported: ${SUPPORTED_JOIN_SCOPE_KEYS.join(', ')})`,
      );
    }
  }
  const subjectKey = intent.join_scope.subject_key;
  if (subjectKey !== undefined && subjectKey !== SUBJECT_KEY) {
    throw unsupported(
      '/join_scope/subject_key',
      `join_scope.subject_key must be ${JSON.stringify(SUBJECT_KEY)}, got ${JSON.stringify(subjectKey)}`,
    );
  }
}

/** A threshold as the reference reads it: a number (booleans count as 0/1) within [0, 1]. */
function ratioAt(value: unknown, path: string): number {
  const number = typeof value === 'boolean' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw invalid(`${path} must be a number within [0, 1], got ${JSON.stringify(value)}`, { path, value: value ?? null });
  }
  return number;
}

/** `filters.label_types` / `join_scope.label_types`: trimmed, blanks dropped; absent → empty. */
function listedTypes(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${path} must be a list of label types, got ${JSON.stringify(value)}`, { path });
  return value
    .map((item, i) => {
      if (typeof item !== 'string') throw invalid(`${path}/${i} must be a string, got ${JSON.stringify(item)}`, { path: `${path}/${i}` });
      return pyTrim(item);
    })
    .filter((t) => t !== '');
}

/** The host policy's default thresholds: its map, else every default type at `min_label_coverage`. */
function defaultThresholds(policy: CoveragePolicyDefaults): Record<string, number> {
  if (policy.min_coverage_by_label_type !== undefined) return { ...policy.min_coverage_by_label_type };
  return Object.fromEntries(policy.label_types.map((t) => [t, policy.min_label_coverage]));
}

/** The label types an intent may name: `label_taxonomy`, else the default types and threshold keys. */
export function labelTaxonomy(policy: CoveragePolicyDefaults): readonly string[] {
  if (policy.label_taxonomy !== undefined) return policy.label_taxonomy;
  return [...new Set([...policy.label_types, ...Object.keys(policy.min_coverage_by_label_type ?? {})])].sort(compareCodePoints);
}

/**
 * Resolves the coverage policy of an intent exactly by the reference's rules
 * (`ref-spec-3` §2.3), with the host policy in the role of the reference's configuration
 * defaults:
 *
 * 1. thresholds start as the host's per-type map (or its default types at `min_label_coverage`),
 *    the conflict maximum as the host's `max_conflict_ratio`;
 * 2. `filters.label_coverage_policy` (absent, `null`, `""` or `{}` is ignored): its
 *    `min_coverage_by_label_type` replaces the thresholds wholesale, its `max_conflict_ratio`
 *    replaces the maximum; values are numbers (booleans as 0/1) within [0, 1];
 * 3. label types: `filters.label_types`, then `join_scope.label_types`, then the threshold map's
 *    keys, then the host's `label_types` — the first non-empty one; trimmed, blanks dropped,
 *    de-duplicated and sorted by code point; each must be in the taxonomy (`labelTaxonomy`);
 * 4. each type's minimum is its threshold, or 1.0 when the map has none; thresholds of other
 *    types are dropped.
 *
 * Where the reference ignores a malformed value, the corridor refuses it: a non-list
 * `label_types`, a non-string type, or an unknown key inside `label_coverage_policy` is
 * `LABEL_POLICY_INVALID`. A host floor (`min_label_coverage_floor`, `max_conflict_ratio_ceiling`)
 * is never weakened: a resolved policy below it is `COVERAGE_POLICY_BELOW_FLOOR`. With no type left,
 * `LABEL_TYPE_SCOPE_UNRESOLVED`.
 */
export function resolveCoveragePolicy(intent: Pick<BuildIntent, 'filters' | 'join_scope'>, policy: CoveragePolicyDefaults): CoveragePolicy {
  let thresholds = defaultThresholds(policy);
  let maxConflict = policy.max_conflict_ratio;

  const requested = intent.filters.label_coverage_policy;
  if (requested !== undefined && requested !== null && requested !== '') {
    if (!isPlainObject(requested)) {
      throw invalid(`filters.label_coverage_policy must be an object, got ${JSON.stringify(requested)}`, {
        path: '/filters/label_coverage_policy',
      });
    }
    for (const key of Object.keys(requested)) {
      if (!COVERAGE_POLICY_KEYS.includes(key)) {
        throw invalid(`filters.label_coverage_policy.${key} is not a coverage policy field (fields: ${COVERAGE_POLICY_KEYS.join(', ')})`, {
          path: `/filters/label_coverage_policy/${key}`,
        });
      }
    }
    if ('min_coverage_by_label_type' in requested) {
      const map = requested.min_coverage_by_label_type;
      const path = '/filters/label_coverage_policy/min_coverage_by_label_type';
      if (!isPlainObject(map)) throw invalid(`${path} must be an object of label type → ratio`, { path });
      thresholds = {};
      for (const [type, value] of Object.entries(map)) thresholds[pyTrim(type)] = ratioAt(value, `${path}/${type}`);
    }
    if ('max_conflict_ratio' in requested) {
      maxConflict = ratioAt(requested.max_conflict_ratio, '/filters/label_coverage_policy/max_conflict_ratio');
    }
  }

  const sources = [
    listedTypes(intent.filters.label_types, '/filters/label_types'),
    listedTypes(intent.join_scope.label_types, '/join_scope/label_types'),
    Object.keys(thresholds)
      .map(pyTrim)
      .filter((t) => t !== '')
      .sort(compareCodePoints),
    [...policy.label_types],
  ];
  const chosen = sources.find((list) => list.length > 0) ?? [];
  const types = [...new Set(chosen)].sort(compareCodePoints);
  if (types.length === 0) {
    throw new OfsError('LABEL_TYPE_SCOPE_UNRESOLVED', { message: 'no label type in the intent or the host policy', details: {} });
  }
  const taxonomy = labelTaxonomy(policy);
  for (const type of types) {
    if (!taxonomy.includes(type)) {
      throw invalid(`unsupported label_type in coverage policy: ${JSON.stringify(type)} (taxonomy: ${taxonomy.join(', ')})`, {
        label_type: type,
        taxonomy: [...taxonomy],
      });
    }
  }
  const minimums: Record<string, number> = {};
  for (const type of types) minimums[type] = Object.hasOwn(thresholds, type) ? thresholds[type]! : 1;

  const floor = policy.min_label_coverage_floor;
  if (floor !== undefined) {
    const below = types.filter((t) => minimums[t]! < floor);
    if (below.length > 0) {
      throw new OfsError('COVERAGE_POLICY_BELOW_FLOOR', {
        message: `the intent asks coverage below the host floor ${floor} for ${below.map((t) => `${t} (${minimums[t]})`).join(', ')}`,
        details: { floor, label_types: below },
      });
    }
  }
  const ceiling = policy.max_conflict_ratio_ceiling;
  if (ceiling !== undefined && maxConflict > ceiling) {
    throw new OfsError('COVERAGE_POLICY_BELOW_FLOOR', {
      message: `the intent allows a conflict ratio of ${maxConflict}, above the host ceiling ${ceiling}`,
      details: { ceiling, max_conflict_ratio: maxConflict },
    });
  }
  return { label_types: types, min_coverage_by_label_type: minimums, max_conflict_ratio: maxConflict };
}

/**
 * The coverage policy a plan is gated by: the one it pins, or — for plans written before plans
 * pinned one — the host policy's label types (in policy order) at `min_label_coverage` each.
 */
export function coveragePolicyOf(
  plan: Pick<BuildPlan, 'coverage_policy'>,
  policy: Pick<OfsPolicy, 'label_types' | 'min_label_coverage' | 'max_conflict_ratio'>,
): CoveragePolicy {
  if (plan.coverage_policy !== undefined) return plan.coverage_policy;
  return {
    label_types: [...policy.label_types],
    min_coverage_by_label_type: Object.fromEntries(policy.label_types.map((t) => [t, policy.min_label_coverage])),
    max_conflict_ratio: policy.max_conflict_ratio,
  };
}

/**
 * Why a label receipt is not ready for training, sorted: `COVERAGE_BELOW_MIN:{type}` for each type
 * below its minimum, `CONFLICT_RATIO_ABOVE_MAX:{type}` for each above the maximum. The one gate
 * rule, shared by the resolver and by verification.
 */
export function coverageGateReasons(
  coverage: CoveragePolicy,
  coverageByType: Readonly<Record<string, number>>,
  conflictByType: Readonly<Record<string, number>>,
): string[] {
  const reasons: string[] = [];
  for (const type of coverage.label_types) {
    if ((coverageByType[type] ?? 0) < coverage.min_coverage_by_label_type[type]!) reasons.push(`COVERAGE_BELOW_MIN:${type}`);
    if ((conflictByType[type] ?? 0) > coverage.max_conflict_ratio) reasons.push(`CONFLICT_RATIO_ABOVE_MAX:${type}`);
  }
  return reasons.sort();
}

/**
 * Coverage and conflict ratio of one label type: LABELLED / eligible and CONFLICT / eligible,
 * where eligible = mature subjects; both 0 when nothing is eligible (so a training build with no
 * eligible rows is not ready unless the policy allows zero coverage).
 */
export function typeRatios(
  counts: { readonly labelled: number; readonly conflict: number },
  eligible: number,
): { coverage: number; conflict: number } {
  return eligible === 0 ? { coverage: 0, conflict: 0 } : { coverage: counts.labelled / eligible, conflict: counts.conflict / eligible };
}
