import Type from 'typebox';
import { OfsError, type Problem, throwProblems } from './errors.js';
import { isPlainJsonObject, jsonValueProblems, parseGuarded } from './json-value.js';
import {
  FEATURE_PROFILE_SCHEMA_VERSION,
  FEATURE_PROFILE_V2_SCHEMA_VERSION,
  type FeatureProfile,
  FeatureProfileSchema,
  FieldFeatureSchema,
  WindowFeatureSchema,
} from './records/feature-profile.js';
import { schemaChecker } from './schema-problems.js';

const { features: _features, ...topLevel } = FeatureProfileSchema.properties;
const topLevelChecker = schemaChecker(
  Type.Object({ ...topLevel, features: Type.Array(Type.Unknown(), { minItems: 1 }) }, { additionalProperties: false }),
);
const fieldChecker = schemaChecker(FieldFeatureSchema);
const windowChecker = schemaChecker(WindowFeatureSchema);
const profileChecker = schemaChecker(FeatureProfileSchema);

interface FeatureProblem extends Problem {
  /** The offending feature's name (or `#index` when it has none). */
  readonly feature?: string;
}

const isObject = isPlainJsonObject;

function featureLabel(raw: unknown, index: number): string {
  return isObject(raw) && typeof raw.name === 'string' && raw.name !== '' ? raw.name : `#${index}`;
}

/**
 * Validates a feature profile (`learning.ofs_feature_profile.v1`, or `.v2` with typed fields). Beyond the schema it checks
 * that feature names are unique, that every window's `entity` is declared in `entities`, and
 * that every window aggregate but `count` has a `path`. Throws one `FEATURE_PROFILE_INVALID`
 * `OfsError`; `details.feature` names the first offending feature (absent when the problem is
 * not in a feature), `details.problems` lists every problem with its feature. Returns a fresh,
 * frozen copy. The input must be plain, bounded JSON (see `jsonValueProblems`): a typed array or
 * class instance is `FEATURE_PROFILE_INVALID`, excess depth or size `VALUE_DEPTH_EXCEEDED` /
 * `VALUE_SIZE_EXCEEDED`; nothing but an `OfsError` is ever thrown.
 */
export function parseFeatureProfile(input: unknown): FeatureProfile {
  return parseGuarded('FEATURE_PROFILE_INVALID', 'invalid feature profile', () => parseProfileUnguarded(input));
}

function parseProfileUnguarded(input: unknown): FeatureProfile {
  const problems: FeatureProblem[] = [];
  if (!isObject(input)) {
    problems.push({ path: '', code: 'FEATURE_PROFILE_INVALID', message: 'a feature profile must be a JSON object' });
    throwProfileProblems(problems, undefined);
  }
  // Plain, bounded JSON before any schema check walks it (a DAG of shared objects would make the
  // checks, the clone and the digest expand it exponentially).
  throwProblems(jsonValueProblems(input, '', 'FEATURE_PROFILE_INVALID'), 'invalid feature profile');
  const raw = input as Record<string, unknown>;
  problems.push(...topLevelChecker.problems(raw, 'FEATURE_PROFILE_INVALID'));
  const versions: unknown[] = [FEATURE_PROFILE_SCHEMA_VERSION, FEATURE_PROFILE_V2_SCHEMA_VERSION];
  if (!versions.includes(raw.schema_version) && problems.every((p) => p.path !== '/schema_version')) {
    problems.push({
      path: '/schema_version',
      code: 'FEATURE_PROFILE_INVALID',
      message: `must be ${FEATURE_PROFILE_SCHEMA_VERSION} or ${FEATURE_PROFILE_V2_SCHEMA_VERSION}`,
    });
  }
  const entities = isObject(raw.entities) ? raw.entities : {};
  const features = Array.isArray(raw.features) ? raw.features : [];
  const seen = new Map<string, number>();
  features.forEach((feature, i) => {
    const base = `/features/${i}`;
    const label = featureLabel(feature, i);
    const add = (path: string, message: string) =>
      problems.push({ path, code: 'FEATURE_PROFILE_INVALID', message: `feature ${label}: ${message}`, feature: label });
    if (!isObject(feature)) {
      add(base, 'must be an object');
      return;
    }
    if (feature.kind === 'field') {
      for (const p of fieldChecker.problems(feature, 'FEATURE_PROFILE_INVALID', base)) add(p.path, p.message);
    } else if (feature.kind === 'window') {
      for (const p of windowChecker.problems(feature, 'FEATURE_PROFILE_INVALID', base)) add(p.path, p.message);
      if (typeof feature.entity === 'string' && !Object.hasOwn(entities, feature.entity)) {
        add(`${base}/entity`, `entity ${JSON.stringify(feature.entity)} is not declared in entities`);
      }
      if (feature.aggregate !== 'count' && feature.path === undefined) {
        add(`${base}/path`, `aggregate ${JSON.stringify(feature.aggregate)} needs a path`);
      }
    } else {
      add(`${base}/kind`, 'kind must be "field" or "window"');
    }
    if (typeof feature.name === 'string') {
      const first = seen.get(feature.name);
      if (first !== undefined) add(`${base}/name`, `duplicate feature name (also features/${first})`);
      else seen.set(feature.name, i);
    }
  });
  if (problems.length === 0 && !profileChecker.check(raw)) {
    problems.push(...profileChecker.problems(raw, 'FEATURE_PROFILE_INVALID'));
  }
  throwProfileProblems(problems, typeof raw.feature_set_id === 'string' ? raw.feature_set_id : undefined);
  return deepFreeze(structuredClone(raw) as FeatureProfile);
}

function throwProfileProblems(problems: readonly FeatureProblem[], featureSetId: string | undefined): void {
  if (problems.length === 0) return;
  const feature = problems.find((p) => p.feature !== undefined)?.feature;
  const summary = problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ');
  throw new OfsError('FEATURE_PROFILE_INVALID', {
    message: `invalid feature profile${featureSetId ? ` ${featureSetId}` : ''}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${summary}`,
    details: {
      ...(feature === undefined ? {} : { feature }),
      problems: problems.map((p) => ({ ...p })),
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
