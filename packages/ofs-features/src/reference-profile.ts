import {
  FEATURE_PROFILE_SCHEMA_VERSION,
  type FeatureDefinitionSet,
  type FeatureProfile,
  type FeatureProfiles,
  OfsError,
  type ResolvedFeatureProfile,
  throwIfAborted,
  type WindowFeature,
} from '@ofs/contracts';
import { digestOf, pyStr, pyTruthy } from '@ofs/ids';

/**
 * The reference platform's resolved-profile record: the `feature_profile` section of its Phase 3
 * `learning.ofs_resolved_build_plan.v0` (ref-spec-2 §1.3). It pins one profile document (by the
 * sha256 of the document's canonical JSON) and one group of it.
 */
export interface ReferenceResolvedProfile {
  /** The profile ref the reference resolver was configured with (recorded, not read). */
  readonly profile_ref: string;
  readonly feature_set_id: string;
  readonly feature_set_version: string;
  readonly policy_id: string;
  readonly revision: string;
  /** `{policy_id}@{revision}`. */
  readonly resolved_revision: string;
  /** sha256 hex of the canonical JSON of the whole parsed profile document. */
  readonly profile_digest: string;
  /** sha256 hex of the canonical JSON of the matched group mapping. */
  readonly matched_group_digest: string;
}

/** How to translate a reference profile document (see `translateReferenceProfile`). */
export interface TranslateReferenceProfileOptions {
  /**
   * The group to translate, by name and version, matched as the reference's Phase 3 resolver
   * matches the intent's `feature_definition_set`. Default: the pin's, else the document's only group.
   */
  readonly group?: FeatureDefinitionSet;
  /** The reference's resolved-profile record for this document; checked, never trusted blindly. */
  readonly pin?: ReferenceResolvedProfile;
  /**
   * Payload path of the amount the online plane sums (its `amount_fields`, first entry; default
   * `amount`). `null` translates counts only.
   */
  readonly amountPath?: string | null;
  /** Topics whose events update the windows (the online plane's `event_bus_topics`); default all. */
  readonly topics?: readonly string[];
  /** Topics whose events produce rows; default all. */
  readonly rowTopics?: readonly string[];
  /** The `ref` of the resolved profile; default the pin's `profile_ref`, else `{policy_id}@{revision}`. */
  readonly ref?: string;
}

/** One reference window as the reference's online plane reads it. */
export interface ReferenceWindow {
  /** The window's name (`window`, else `name`, else `duration`). */
  readonly window: string;
  readonly duration_seconds: number;
  /** Serve-time freshness of the window's state (≥ duration). */
  readonly ttl_seconds: number;
}

/** The translation: our resolved profile, and what it was translated from. */
export interface TranslatedReferenceProfile {
  /** Our profile (v1), its ref and canonical digest: hand it to a `FeatureProfiles` port. */
  readonly resolved: ResolvedFeatureProfile;
  /** The reference's own view of the same document, as its resolver would record it. */
  readonly reference: {
    readonly policy_id: string;
    readonly revision: string;
    readonly resolved_revision: string;
    readonly profile_digest: string;
    readonly matched_group_digest: string;
    /** Index of the matched group in `feature_groups`. */
    readonly group_index: number;
    readonly key_type: string;
    readonly windows: readonly ReferenceWindow[];
  };
}

/** The windows the reference's online plane uses when a group declares none. */
export const REFERENCE_DEFAULT_WINDOWS: readonly ReferenceWindow[] = [
  { window: '1h', duration_seconds: 3_600, ttl_seconds: 3_600 },
  { window: '24h', duration_seconds: 86_400, ttl_seconds: 86_400 },
  { window: '7d', duration_seconds: 604_800, ttl_seconds: 604_800 },
];

const GROUP_KEYS = new Set(['name', 'version', 'key_type', 'windows']);
const WINDOW_KEYS = new Set(['window', 'name', 'duration', 'ttl']);
const DURATION = /^\s*(\d+)\s*([smhdSMHD])\s*$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const WINDOW_LABEL = /^[a-z0-9_]+$/;
const MAX_WINDOW_SECONDS = 366 * 86_400;

/**
 * The sha256 hex of a parsed reference document's canonical JSON: the reference's
 * `sha256_payload`, so `referenceProfileDigest(doc)` equals the `profile_digest` the reference
 * resolver records for the same parsed document.
 */
export function referenceProfileDigest(doc: unknown): string {
  return digestOf(doc);
}

/**
 * Translates a reference feature profile document — `{policy_id, revision, feature_groups:
 * [{name, version, key_type, windows}]}`, **already parsed** by the host with a YAML 1.1 parser
 * (PyYAML `safe_load` semantics: `2026-02-10` is the text `"2026-02-10"`, `yes` is `true`, `1:30`
 * is `90`; a `Date` object or any other non-JSON value is refused) — into a corridor profile with
 * the same meaning. Pure; never looks at event data.
 *
 * Group selection is the reference resolver's: the first mapping group whose `name` and `version`,
 * read as Python `str(v or "").strip()`, equal the wanted id and version (a YAML `version: 1`
 * matches `"1"`). Windows are read as the reference's online plane reads them: a string, or a
 * mapping `{window | name | duration, duration, ttl}`; durations `<int><s|m|h|d>`; `ttl` defaults
 * to `duration` and may not be shorter; absent `windows` means the plane's defaults 1h, 24h, 7d.
 *
 * Each window `W` of `d` seconds becomes `event_count_W` (`count`) and `amount_sum_W` (`sum` of
 * `amountPath`) over `(ts − d, ts]` of the group's key; the key (`key_type`) becomes the entity
 * `{key_type}` read from the payload field of that name. See the package README for what each
 * reference window means and where ours departs.
 *
 * Codes: `FEATURE_PROFILE_UNRESOLVED` (not a profile, no such group), `FEATURE_PROFILE_INVALID`
 * (a window the reference refuses too), `FEATURE_PROFILE_UNTRANSLATABLE` (something ours cannot
 * express), `FEATURE_PROFILE_PIN_MISMATCH` (the pin is not this document's).
 */
export function translateReferenceProfile(doc: unknown, options: TranslateReferenceProfileOptions = {}): TranslatedReferenceProfile {
  assertJson(doc, '');
  if (!isMapping(doc)) unresolved('the reference feature profile is not a mapping');
  const policyId = text(doc.policy_id);
  const revision = text(doc.revision);
  if (policyId === '' || revision === '') unresolved('the reference feature profile needs a non-empty policy_id and revision');
  const groups = doc.feature_groups;
  if (!Array.isArray(groups)) unresolved('the reference feature profile has no feature_groups list');

  const { pin } = options;
  const wanted = options.group ?? (pin ? { feature_set_id: pin.feature_set_id, feature_set_version: pin.feature_set_version } : undefined);
  if (
    pin &&
    options.group &&
    (pin.feature_set_id !== options.group.feature_set_id || pin.feature_set_version !== options.group.feature_set_version)
  ) {
    throw new OfsError('FEATURE_PROFILE_PIN_MISMATCH', {
      message: `the pin names ${pin.feature_set_id}@${pin.feature_set_version}, the translation asks for ${options.group.feature_set_id}@${options.group.feature_set_version}`,
      details: { field: 'feature_set', pinned: `${pin.feature_set_id}@${pin.feature_set_version}` },
    });
  }
  let index: number;
  if (wanted === undefined) {
    if (groups.length !== 1)
      unresolved(`the reference feature profile has ${groups.length} groups; name the one to translate (options.group)`);
    index = 0;
    if (!isMapping(groups[0])) unresolved('feature_groups[0] is not a mapping');
  } else {
    index = groups.findIndex(
      (g) => isMapping(g) && text(g.name) === wanted.feature_set_id && text(g.version) === wanted.feature_set_version,
    );
    if (index < 0) unresolved(`feature set not found in the reference profile: ${wanted.feature_set_id}@${wanted.feature_set_version}`);
  }
  const group = groups[index] as Record<string, unknown>;
  const name = text(group.name);
  const version = text(group.version);
  const profileDigest = digestOf(doc);
  const groupDigest = digestOf(group);
  const resolvedRevision = `${policyId}@${revision}`;

  if (pin) {
    const expected: Record<keyof ReferenceResolvedProfile, string | undefined> = {
      profile_ref: undefined,
      feature_set_id: name,
      feature_set_version: version,
      policy_id: policyId,
      revision,
      resolved_revision: resolvedRevision,
      profile_digest: profileDigest,
      matched_group_digest: groupDigest,
    };
    for (const [field, value] of Object.entries(expected)) {
      const pinned = (pin as unknown as Record<string, unknown>)[field];
      if (value !== undefined && pinned !== value) {
        throw new OfsError('FEATURE_PROFILE_PIN_MISMATCH', {
          message: `the resolved-profile record pins ${field} ${JSON.stringify(pinned)}; this document gives ${JSON.stringify(value)}`,
          details: { field, pinned: String(pinned), computed: value },
        });
      }
    }
    if (typeof pin.profile_ref !== 'string' || pin.profile_ref.trim() === '') {
      throw new OfsError('FEATURE_PROFILE_PIN_MISMATCH', {
        message: 'the resolved-profile record has no profile_ref',
        details: { field: 'profile_ref' },
      });
    }
  }

  const where = `feature_groups[${index}] (${name}@${version})`;
  for (const key of Object.keys(group)) {
    if (!GROUP_KEYS.has(key)) untranslatable(`${where} declares "${key}", which the corridor does not implement`, { group: where, key });
  }
  // The online plane's rule: a falsy key_type means flow_id.
  const keyType = text(group.key_type) || 'flow_id';
  if (!NAME.test(keyType)) {
    untranslatable(`${where}: key_type "${keyType}" is not a lowercase snake_case payload field the corridor can key by`, {
      group: where,
      key_type: keyType,
    });
  }
  const windows = readWindows(group.windows, where);
  const amountPath = options.amountPath === undefined ? 'amount' : options.amountPath;

  const features: WindowFeature[] = [];
  for (const w of windows) {
    const about = `reference window ${w.window} of ${name}@${version}: duration ${w.duration_seconds} s, ttl ${w.ttl_seconds} s`;
    const base = {
      kind: 'window' as const,
      entity: keyType,
      window_seconds: w.duration_seconds,
      ...(options.topics ? { topics: [...options.topics] } : {}),
    };
    features.push({
      name: `event_count_${w.window}`,
      ...base,
      aggregate: 'count',
      description: `Earlier events of the ${keyType} in the window (${about}).`,
    });
    if (amountPath !== null) {
      features.push({
        name: `amount_sum_${w.window}`,
        ...base,
        aggregate: 'sum',
        path: amountPath,
        description: `Sum of ${amountPath} over earlier events of the ${keyType} in the window (${about}).`,
      });
    }
  }
  for (const f of features) {
    if (!NAME.test(f.name))
      untranslatable(`${where}: the column name ${f.name} is longer than 64 characters`, { group: where, feature: f.name });
  }

  const profile: FeatureProfile = {
    schema_version: FEATURE_PROFILE_SCHEMA_VERSION,
    feature_set_id: name,
    feature_set_version: version,
    description: `Translated from reference feature profile ${policyId}, group ${name}@${version} (matched_group_digest ${groupDigest}).`,
    entities: { [keyType]: keyType },
    ...(options.rowTopics ? { row_topics: [...options.rowTopics] } : {}),
    features,
  };
  const ref = options.ref ?? pin?.profile_ref.trim() ?? resolvedRevision;
  return {
    resolved: { ref, profile, digest: digestOf(profile) },
    reference: {
      policy_id: policyId,
      revision,
      resolved_revision: resolvedRevision,
      profile_digest: profileDigest,
      matched_group_digest: groupDigest,
      group_index: index,
      key_type: keyType,
      windows,
    },
  };
}

/**
 * A `FeatureProfiles` port over one reference profile document: `resolve(id, version)` translates
 * the group the reference resolver would match for an intent asking `id@version`
 * (`translateReferenceProfile` with `group: {id, version}` and the other options). With `pin`,
 * every resolution is checked against it, so an intent asking for a group the pin does not name
 * fails with `FEATURE_PROFILE_PIN_MISMATCH`. Resolved profiles carry the pin's `profile_ref` (or
 * `options.ref`, else `{policy_id}@{revision}`) as their ref, which the manifest records.
 */
export function createReferenceFeatureProfiles(
  doc: unknown,
  options: Omit<TranslateReferenceProfileOptions, 'group'> = {},
): FeatureProfiles {
  return {
    async resolve(featureSetId, featureSetVersion, abort) {
      throwIfAborted(abort?.signal);
      return translateReferenceProfile(doc, { ...options, group: { feature_set_id: featureSetId, feature_set_version: featureSetVersion } })
        .resolved;
    },
  };
}

function readWindows(raw: unknown, where: string): ReferenceWindow[] {
  if (raw === undefined || raw === null) return REFERENCE_DEFAULT_WINDOWS.map((w) => ({ ...w }));
  if (!Array.isArray(raw) || raw.length === 0) invalid(`${where}: windows must be a non-empty list`, { group: where });
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const at = `${where}.windows[${i}]`;
    let window: string;
    let durationRaw: string;
    let ttlRaw: string;
    if (typeof entry === 'string') {
      window = entry.trim();
      durationRaw = window;
      ttlRaw = window;
    } else if (isMapping(entry)) {
      for (const key of Object.keys(entry)) {
        if (!WINDOW_KEYS.has(key)) untranslatable(`${at} declares "${key}", which the corridor does not implement`, { window: at, key });
      }
      window = firstText(entry.window, entry.name, entry.duration);
      durationRaw = firstText(entry.duration, window);
      ttlRaw = firstText(entry.ttl, durationRaw);
    } else {
      return invalid(`${at} must be a string or a mapping`, { window: at });
    }
    if (window === '') invalid(`${at} has no window name`, { window: at });
    const duration = seconds(durationRaw, at);
    const ttl = seconds(ttlRaw, at);
    if (ttl < duration) invalid(`${at}: ttl must be >= duration`, { window: at });
    if (seen.has(window)) invalid(`${where}: duplicate window "${window}"`, { window: at });
    seen.add(window);
    if (!WINDOW_LABEL.test(window)) {
      untranslatable(`${at}: window name "${window}" cannot name a column (lowercase letters, digits and _ only)`, { window: at });
    }
    if (duration > MAX_WINDOW_SECONDS) {
      untranslatable(`${at}: a ${duration} s window is longer than the corridor's 366 days`, { window: at });
    }
    return { window, duration_seconds: duration, ttl_seconds: ttl };
  });
}

function seconds(token: string, at: string): number {
  const m = DURATION.exec(token);
  if (!m) return invalid(`${at}: invalid duration "${token}" (expected an integer and a unit s|m|h|d)`, { window: at });
  const value = Number(m[1]) * (UNIT_SECONDS[(m[2] as string).toLowerCase()] as number);
  if (!(value > 0) || !Number.isSafeInteger(value)) return invalid(`${at}: duration must be > 0`, { window: at });
  return value;
}

/** Python `str(value or "").strip()`; containers (which Python would print as their repr) read as "". */
function text(value: unknown): string {
  if (!pyTruthy(value)) return '';
  if (typeof value === 'object') return '';
  return pyStr(value).trim();
}

/** Python `str(a or b or …).strip()` over the first truthy value. */
function firstText(...values: unknown[]): string {
  for (const v of values) if (pyTruthy(v)) return text(v);
  return '';
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The document must be plain JSON: what a YAML 1.1 parser gives once dates are their text. */
function assertJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertJson(v, `${path}/${i}`);
    return;
  } else if (isMapping(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) assertJson(v, `${path}/${k}`);
    return;
  }
  throw new OfsError('FEATURE_PROFILE_UNRESOLVED', {
    message: `the reference feature profile holds a non-JSON value at ${path || '/'} (parse YAML 1.1 dates and times as their text)`,
    details: { path: path || '/' },
  });
}

function unresolved(message: string): never {
  throw new OfsError('FEATURE_PROFILE_UNRESOLVED', { message });
}

function invalid(message: string, details: Record<string, string>): never {
  throw new OfsError('FEATURE_PROFILE_INVALID', { message, details });
}

function untranslatable(message: string, details: Record<string, string>): never {
  throw new OfsError('FEATURE_PROFILE_UNTRANSLATABLE', { message, details });
}
