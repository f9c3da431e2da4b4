import {
  FEATURE_PROFILE_V2_SCHEMA_VERSION,
  type FeatureProfile,
  FeatureProfileSchema,
  OfsError,
  type Problem,
  type ResolvedFeatureProfile,
  type StatsMarker,
  type ValueType,
  type WindowAggregate,
  throwProblems,
} from '@ofs/contracts';
import { digestOf } from '@ofs/ids';
import { Compile } from 'typebox/compile';

/** A payload dot path split into its segments. */
export type PayloadPath = readonly string[];

/** An entity of the profile: its key path and its row column. */
export interface CompiledEntity {
  readonly name: string;
  readonly path: PayloadPath;
  /** Row column of the entity key: `entity_<name>`. */
  readonly column: string;
}

/** A `field` feature. */
export interface CompiledField {
  readonly name: string;
  readonly path: PayloadPath;
  /** The declared column type (profile v2); `undefined` in v1 profiles (a `json` column). */
  readonly type: ValueType | undefined;
  /** The profile's statistics marker (`categorical`, `sensitive`), if any (D115). */
  readonly stats: StatsMarker | undefined;
}

/** A `window` feature. */
export interface CompiledWindow {
  readonly name: string;
  /** Index into `CompiledProfile.entities`. */
  readonly entity: number;
  readonly aggregate: WindowAggregate;
  /** Path of the aggregated value; `undefined` for `count`. */
  readonly path: PayloadPath | undefined;
  readonly windowMs: number;
  /** Topics whose events update the window; `undefined` = every topic. */
  readonly topics: ReadonlySet<string> | undefined;
  /**
   * Profile v2: the type of the aggregated payload value (declared, or that of the field feature
   * with the same path); `undefined` in v1 profiles and for `count`/`distinct_count`.
   */
  readonly valueType: ValueType | undefined;
  /** The profile's statistics marker (`categorical`, `sensitive`), if any (D115). */
  readonly stats: StatsMarker | undefined;
}

/** A validated profile, ready for the reconstruction hot path. */
export interface CompiledProfile {
  readonly ref: string;
  readonly digest: string;
  readonly profile: FeatureProfile;
  readonly entities: readonly CompiledEntity[];
  readonly fields: readonly CompiledField[];
  readonly windows: readonly CompiledWindow[];
  /** Topics whose events produce rows; `undefined` = every topic. */
  readonly rowTopics: ReadonlySet<string> | undefined;
  /** `true` for a v2 profile: every projected column carries a declared type. */
  readonly typed: boolean;
}

/**
 * The statistics markers of a compiled profile's feature columns (D115): column name →
 * `categorical` or `sensitive`, for the features whose profile entry carries `stats`. Build
 * statistics use them instead of the name rule (D112); entity keys stay sensitive regardless.
 */
export function statsMarkers(profile: CompiledProfile): ReadonlyMap<string, StatsMarker> {
  const markers = new Map<string, StatsMarker>();
  for (const f of [...profile.fields, ...profile.windows]) if (f.stats !== undefined) markers.set(f.name, f.stats);
  return markers;
}

/** Row columns a feature may not be named like (event columns) and prefixes reserved for entity and label columns. */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set([
  'event_id',
  'topic',
  'partition',
  'offset',
  'offset_kind',
  'ts_utc',
  'payload_hash',
  'mature',
]);
const RESERVED_PREFIXES = ['entity_', 'label_'] as const;

const checkProfile = Compile(FeatureProfileSchema);

/**
 * Validates a resolved feature profile and compiles it for reconstruction. Every problem is
 * reported (`FEATURE_PROFILE_INVALID`, the path and message name the offending feature); a
 * digest that does not match the profile's canonical JSON is `FEATURE_PROFILE_DRIFT`.
 */
export function compileProfile(resolved: ResolvedFeatureProfile): CompiledProfile {
  const { profile } = resolved;
  const problems: Problem[] = [];
  if (!checkProfile.Check(profile)) {
    for (const error of checkProfile.Errors(profile)) {
      const path = (error as { instancePath?: string }).instancePath ?? '';
      problems.push({ path, code: 'FEATURE_PROFILE_INVALID', message: `${describePath(profile, path)}${error.message}` });
    }
    throwProblems(problems, `feature profile ${resolved.ref}`);
  }
  if (digestOf(profile) !== resolved.digest) {
    throw new OfsError('FEATURE_PROFILE_DRIFT', {
      message: `feature profile ${resolved.ref}: digest ${resolved.digest} does not match its content`,
      details: { ref: resolved.ref, digest: resolved.digest },
    });
  }
  const entityNames = Object.keys(profile.entities).sort();
  const entities: CompiledEntity[] = entityNames.map((name) => ({
    name,
    path: (profile.entities[name] as string).split('.'),
    column: `entity_${name}`,
  }));
  const fields: CompiledField[] = [];
  const windows: CompiledWindow[] = [];
  const seen = new Set<string>();
  const typed = profile.schema_version === FEATURE_PROFILE_V2_SCHEMA_VERSION;
  const fieldTypes = new Map<string, ValueType>();
  for (const feature of profile.features) if (feature.kind === 'field' && feature.type) fieldTypes.set(feature.path, feature.type);
  profile.features.forEach((feature, i) => {
    const at = `/features/${i}`;
    const bad = (message: string) =>
      problems.push({ path: at, code: 'FEATURE_PROFILE_INVALID', message: `feature ${feature.name}: ${message}` });
    if (seen.has(feature.name)) bad('the name is used twice');
    seen.add(feature.name);
    if (RESERVED_COLUMNS.has(feature.name) || RESERVED_PREFIXES.some((p) => feature.name.startsWith(p))) {
      bad(`the name collides with a reserved row column (${[...RESERVED_COLUMNS].join(', ')}, entity_*, label_*)`);
    }
    if (feature.kind === 'field') {
      if (typed && feature.type === undefined) bad('a v2 profile declares a type for every field');
      if (!typed && feature.type !== undefined) bad('types are declared in v2 profiles only (learning.ofs_feature_profile.v2)');
      fields.push({ name: feature.name, path: feature.path.split('.'), type: typed ? feature.type : undefined, stats: feature.stats });
      return;
    }
    if (!typed && feature.value_type !== undefined) bad('value_type is declared in v2 profiles only');
    let valueType: ValueType | undefined;
    if (typed && feature.aggregate !== 'count' && feature.aggregate !== 'distinct_count') {
      valueType = feature.value_type ?? (feature.path === undefined ? undefined : fieldTypes.get(feature.path));
      if (valueType === undefined)
        bad(`a v2 profile types the value of ${feature.aggregate}: declare value_type or a field with path ${feature.path}`);
      else if (feature.aggregate !== 'last' && valueType.type !== 'int64' && valueType.type !== 'decimal') {
        bad(`aggregate ${feature.aggregate} needs an int64 or decimal value, not ${valueType.type}`);
      }
    }
    const entity = entityNames.indexOf(feature.entity);
    if (entity < 0) bad(`entity "${feature.entity}" is not declared in entities`);
    if (feature.aggregate !== 'count' && feature.path === undefined) bad(`aggregate ${feature.aggregate} needs a path`);
    if (feature.aggregate === 'count' && feature.path !== undefined) bad('aggregate count takes no path');
    windows.push({
      name: feature.name,
      entity,
      aggregate: feature.aggregate,
      path: feature.path?.split('.'),
      windowMs: feature.window_seconds * 1000,
      topics: feature.topics ? new Set(feature.topics) : undefined,
      valueType,
      stats: feature.stats,
    });
  });
  throwProblems(problems, `feature profile ${resolved.ref}`);
  return {
    ref: resolved.ref,
    digest: resolved.digest,
    profile,
    entities,
    fields,
    windows,
    rowTopics: profile.row_topics ? new Set(profile.row_topics) : undefined,
    typed,
  };
}

function describePath(profile: FeatureProfile, path: string): string {
  const m = /^\/features\/(\d+)/.exec(path);
  if (!m) return path ? `${path}: ` : '';
  const feature = profile.features?.[Number(m[1])] as { name?: unknown } | undefined;
  return typeof feature?.name === 'string' ? `feature ${feature.name} (${path}): ` : `${path}: `;
}

/** The value at a payload dot path, or `undefined` when any segment is missing. */
export function valueAt(payload: Record<string, unknown>, path: PayloadPath): unknown {
  if (path.length === 1) return payload[path[0] as string];
  let node: unknown = payload;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
