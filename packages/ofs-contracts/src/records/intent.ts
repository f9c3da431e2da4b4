import Type, { type Static } from 'typebox';

/** The schema version string of a build intent. */
export const BUILD_INTENT_SCHEMA_VERSION = 'learning.ofs_build_intent.v0';

/** The intent kinds the wire format admits. Only `dataset_build` publishes manifests. */
export const INTENT_KINDS = ['dataset_build', 'parity_rebuild', 'forensic_rebuild'] as const;

/** A replay slice: one topic partition's inclusive offset range. Offsets are decimal strings. */
export const ReplaySliceSchema = Type.Object(
  {
    topic: Type.String({ minLength: 1 }),
    partition: Type.Integer({ minimum: 0 }),
    offset_kind: Type.String({ minLength: 1 }),
    start_offset: Type.String({ minLength: 1 }),
    end_offset: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, $id: 'learning.ofs_replay_slice.v0', title: 'ReplaySlice' },
);

/** A replay slice (see `ReplaySliceSchema`). */
export type ReplaySlice = Static<typeof ReplaySliceSchema>;

/** The label basis of an intent: the as-of cutoff, its rule and optional maturity. */
export const LabelBasisSchema = Type.Object(
  {
    label_asof_utc: Type.String({ minLength: 1 }),
    resolution_rule: Type.String({ minLength: 1 }),
    maturity_days: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** The label basis (see `LabelBasisSchema`). */
export type LabelBasis = Static<typeof LabelBasisSchema>;

/** The feature definition set an intent pins. */
export const FeatureDefinitionSetSchema = Type.Object(
  {
    feature_set_id: Type.String({ minLength: 1 }),
    feature_set_version: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/** The feature definition set (see `FeatureDefinitionSetSchema`). */
export type FeatureDefinitionSet = Static<typeof FeatureDefinitionSetSchema>;

/**
 * `learning.ofs_build_intent.v0`, exactly as the reference platform's JSON Schema. The stricter
 * rules of `parseBuildIntent` (safe run id, canonical offsets, ordered ranges, RFC 3339 cutoff,
 * no overlapping slices) are checked in code, so other services keep validating the same wire shape.
 */
export const BuildIntentV0Schema = Type.Object(
  {
    schema_version: Type.Literal(BUILD_INTENT_SCHEMA_VERSION),
    request_id: Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
    intent_kind: Type.Enum(INTENT_KINDS),
    platform_run_id: Type.String({ minLength: 1 }),
    scenario_run_ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    replay_basis: Type.Array(ReplaySliceSchema, { minItems: 1 }),
    label_basis: LabelBasisSchema,
    feature_definition_set: FeatureDefinitionSetSchema,
    join_scope: Type.Optional(Type.Object({}, { additionalProperties: true })),
    filters: Type.Optional(Type.Object({}, { additionalProperties: true })),
    run_facts_ref: Type.String({ minLength: 1 }),
    parity_anchor_ref: Type.Optional(Type.String({ minLength: 1 })),
    policy_revision: Type.String({ minLength: 1 }),
    config_revision: Type.String({ minLength: 1 }),
    ofs_code_release_id: Type.String({ minLength: 1 }),
    non_training_allowed: Type.Optional(Type.Boolean()),
    /** Ours: the time-window selector `replay_basis` was resolved from (never part of an identity). */
    time_window: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false, $id: BUILD_INTENT_SCHEMA_VERSION, title: 'OfsBuildIntentV0' },
);

/** An intent kind. */
export type IntentKind = (typeof INTENT_KINDS)[number];

/** A JSON object with arbitrary content (join scope, filters). */
export type JsonObject = { [key: string]: JsonValue };
/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * A validated, normalised build intent as `parseBuildIntent` returns it: strings trimmed,
 * defaults filled (`scenario_run_ids: []`, `join_scope: {}`, `filters: {}`,
 * `non_training_allowed: false`), deeply frozen.
 */
export interface BuildIntent {
  readonly schema_version: typeof BUILD_INTENT_SCHEMA_VERSION;
  readonly request_id: string;
  readonly intent_kind: IntentKind;
  readonly platform_run_id: string;
  readonly scenario_run_ids: readonly string[];
  readonly replay_basis: readonly Readonly<ReplaySlice>[];
  readonly label_basis: Readonly<LabelBasis>;
  readonly feature_definition_set: Readonly<FeatureDefinitionSet>;
  readonly join_scope: Readonly<JsonObject>;
  readonly filters: Readonly<JsonObject>;
  readonly run_facts_ref: string;
  readonly parity_anchor_ref?: string;
  readonly policy_revision: string;
  readonly config_revision: string;
  readonly ofs_code_release_id: string;
  readonly non_training_allowed: boolean;
  /**
   * Ours, beside the offsets: the time-window selector the `replay_basis` was resolved from, and
   * how (`resolveTimeWindow` of `@ofs/replay`). Recorded for people; never part of any identity
   * or payload hash — the identity law sees only offsets (law 1).
   */
  readonly time_window?: Readonly<JsonObject>;
}

/** The only label resolution rule the corridor implements (law 2: no leakage). */
export const LABEL_RESOLUTION_RULE = 'observed_time<=label_asof_utc';
