import Type, { type Static } from 'typebox';

/** Schema version of a feature profile whose projected fields are untyped (`json` columns). */
export const FEATURE_PROFILE_SCHEMA_VERSION = 'learning.ofs_feature_profile.v1';
/** Schema version of a feature profile that declares a type for every projected field (typed columns). */
export const FEATURE_PROFILE_V2_SCHEMA_VERSION = 'learning.ofs_feature_profile.v2';

/**
 * A declared column value type (profile v2): `string`, `boolean`, `int64` (JS numbers within
 * ±(2^53 − 1) in rows), `decimal` (exact decimal strings with exactly `scale` fraction digits),
 * `timestamp` (canonical UTC instants with exactly the unit's fraction digits) or `json`
 * (canonical JSON of any value).
 */
export const ValueTypeSchema = Type.Union([
  Type.Object({ type: Type.Literal('string') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('boolean') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('int64') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('decimal'),
      precision: Type.Integer({ minimum: 1, maximum: 38 }),
      scale: Type.Integer({ minimum: 0, maximum: 38 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('timestamp'), unit: Type.Union([Type.Literal('ms'), Type.Literal('us')]) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('json') }, { additionalProperties: false }),
]);

/** The windowed aggregates a profile may use. */
export const WINDOW_AGGREGATES = ['count', 'sum', 'min', 'max', 'mean', 'last', 'distinct_count'] as const;

const FeatureName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });

/**
 * A feature's statistics marker (D115): how build statistics and the dataset card summarise its
 * column, overriding the name rule (D112). `categorical`: exact counts of a bounded set of values
 * (no histogram); `sensitive`: never any value, only rows and nulls. Absent: the name rule.
 */
export const StatsMarkerSchema = Type.Union([Type.Literal('categorical'), Type.Literal('sensitive')]);
/** A dot path into the event payload, e.g. `card.id` or `amount`. */
const PayloadPath = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$' });

/** A projection of one payload field into the row. */
export const FieldFeatureSchema = Type.Object(
  {
    name: FeatureName,
    kind: Type.Literal('field'),
    path: PayloadPath,
    /** The column type (profile v2: required; profile v1: absent, the column is `json`). */
    type: Type.Optional(ValueTypeSchema),
    /** How statistics summarise the column (`categorical` or `sensitive`); absent: by its name and type. */
    stats: Type.Optional(StatsMarkerSchema),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** An aggregate per entity key over the window `(ts − window_seconds, ts]`, in offset order within a partition. */
export const WindowFeatureSchema = Type.Object(
  {
    name: FeatureName,
    kind: Type.Literal('window'),
    entity: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
    aggregate: Type.Union([
      Type.Literal('count'),
      Type.Literal('sum'),
      Type.Literal('min'),
      Type.Literal('max'),
      Type.Literal('mean'),
      Type.Literal('last'),
      Type.Literal('distinct_count'),
    ]),
    /** Payload path of the aggregated value; required for every aggregate but `count`. */
    path: Type.Optional(PayloadPath),
    window_seconds: Type.Integer({ minimum: 1, maximum: 366 * 86_400 }),
    /** Topics whose events update this window (default: every replayed topic). */
    topics: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true })),
    /**
     * Profile v2: the type of the aggregated payload value (`int64` or `decimal` for sum, min,
     * max and mean; any for last). Default: the type of a field feature with the same path.
     */
    value_type: Type.Optional(ValueTypeSchema),
    /** How statistics summarise the column (`categorical` or `sensitive`); absent: by its name and type. */
    stats: Type.Optional(StatsMarkerSchema),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * A versioned feature profile: entity keys as payload paths, which topics produce rows, and the
 * features. Immutable per `(feature_set_id, feature_set_version)`; its canonical digest is pinned.
 */
export const FeatureProfileSchema = Type.Object(
  {
    schema_version: Type.Union([Type.Literal(FEATURE_PROFILE_SCHEMA_VERSION), Type.Literal(FEATURE_PROFILE_V2_SCHEMA_VERSION)]),
    feature_set_id: Type.String({ minLength: 1 }),
    feature_set_version: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    /** Entity name → payload path of its key, e.g. `{ "card": "card_id" }`. */
    entities: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), PayloadPath),
    /** Topics whose events produce rows (default: all replayed topics). */
    row_topics: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true })),
    features: Type.Array(Type.Union([FieldFeatureSchema, WindowFeatureSchema]), { minItems: 1 }),
  },
  { additionalProperties: false, $id: FEATURE_PROFILE_SCHEMA_VERSION, title: 'FeatureProfile' },
);

/** A feature profile. */
export type FeatureProfile = Static<typeof FeatureProfileSchema>;
/** A field projection feature. */
export type FieldFeature = Static<typeof FieldFeatureSchema>;
/** A windowed aggregate feature. */
export type WindowFeature = Static<typeof WindowFeatureSchema>;
/** A declared value type (see `ValueTypeSchema`). */
export type ValueType = Static<typeof ValueTypeSchema>;
/** A feature's statistics marker (see `StatsMarkerSchema`). */
export type StatsMarker = Static<typeof StatsMarkerSchema>;
/** A window aggregate name. */
export type WindowAggregate = (typeof WINDOW_AGGREGATES)[number];

/** A resolved profile: its ref (store- or root-relative), the profile and its canonical digest. */
export interface ResolvedFeatureProfile {
  /** Where the profile came from, e.g. `core/v1.json`. */
  readonly ref: string;
  /** The validated profile. */
  readonly profile: FeatureProfile;
  /** Lowercase sha256 hex of the canonical JSON of `profile`. */
  readonly digest: string;
}
