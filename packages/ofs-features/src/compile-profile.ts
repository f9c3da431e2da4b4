import {
  type FeatureProfile,
  FeatureProfileSchema,
  OfsError,
  type Problem,
  type ResolvedFeatureProfile,
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
      fields.push({ name: feature.name, path: feature.path.split('.') });
      return;
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
