import Type, { type Static } from 'typebox';

/** Schema version of the draft receipt written by reconstruction. */
export const DRAFT_RECEIPT_SCHEMA_VERSION = 'learning.ofs_draft_receipt.v1';

/**
 * Recipe name of the rows digest written by this release (recipes v3, DESIGN §12): per topic
 * partition, sha256 over that partition's canonical row lines plus `\n` in row order; combined as
 * sha256 over `{topic}/{partition} {partition_digest}\n` for every partition that holds rows, in
 * replay-basis order. Parts are partition-local and name their partition.
 */
export const ROWS_DIGEST_RECIPE = 'ofs.rows_digest.v3';

/** The earlier rows digest, still verified: sha256 over every canonical row line plus `\n`, in row order (parts may span partitions). */
export const ROWS_DIGEST_RECIPE_V2 = 'ofs.rows_digest.v2';

/** Every rows digest recipe a draft or manifest may name. */
export const RowsDigestRecipeSchema = Type.Union([Type.Literal(ROWS_DIGEST_RECIPE_V2), Type.Literal(ROWS_DIGEST_RECIPE)]);
/** A rows digest recipe name. */
export type RowsDigestRecipe = typeof ROWS_DIGEST_RECIPE_V2 | typeof ROWS_DIGEST_RECIPE;

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });
const Count = Type.Integer({ minimum: 0 });

/** One content-addressed JSONL part: `{platform_run_id}/ofs/parts/{sha256}.jsonl`. */
export const DatasetPartSchema = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    rows: Type.Integer({ minimum: 1 }),
    bytes: Type.Integer({ minimum: 1 }),
    sha256: Sha256Hex,
    /** The topic of every row of the part (recipe `ofs.rows_digest.v3`: a part never spans partitions). */
    topic: Type.Optional(Type.String({ minLength: 1 })),
    /** The partition of every row of the part (with `topic`). */
    partition: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/**
 * The type of a row column. v1 types: JSON types (`integer`; `decimal` is an exact decimal string
 * of any scale; `json` any JSON value). Typed columns (profile v2) add `int64`, `decimal` with
 * `precision` and `scale`, and `timestamp` with a `unit`; `null` is allowed where `nullable`.
 */
export const COLUMN_TYPES = ['string', 'integer', 'int64', 'decimal', 'timestamp', 'boolean', 'json'] as const;

/** One column of the dataset rows, in canonical (code point) key order. */
export const ColumnSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Union([
      Type.Literal('string'),
      Type.Literal('integer'),
      Type.Literal('int64'),
      Type.Literal('decimal'),
      Type.Literal('timestamp'),
      Type.Literal('boolean'),
      Type.Literal('json'),
    ]),
    /** `decimal` of a typed column: total digits (at most 38). */
    precision: Type.Optional(Type.Integer({ minimum: 1, maximum: 38 })),
    /** `decimal` of a typed column: fraction digits; every value has exactly this many. */
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 38 })),
    /** `timestamp`: the declared unit (UTC instants with 3 or 6 fraction digits). */
    unit: Type.Optional(Type.Union([Type.Literal('ms'), Type.Literal('us')])),
    nullable: Type.Boolean(),
    /** Where the column comes from: `event`, `entity`, `feature`, `label`. */
    source: Type.Union([Type.Literal('event'), Type.Literal('entity'), Type.Literal('feature'), Type.Literal('label')]),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** How the parts are stored: the policy's pinned part settings (absent in drafts and manifests before Parquet = JSONL). */
export const PartFormatSchema = Type.Object(
  {
    format: Type.Union([Type.Literal('jsonl'), Type.Literal('parquet')]),
    compression: Type.Union([Type.Literal('zstd'), Type.Literal('snappy'), Type.Literal('none')]),
    row_group_rows: Type.Integer({ minimum: 1 }),
    /** The Parquet writer and its pinned version, e.g. `hyparquet-writer@0.17.0` (absent for JSONL). */
    writer: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** Per-slice counts of reconstruction, in `plan.replay_basis` order. */
export const DraftSliceCountsSchema = Type.Object(
  {
    topic: Type.String({ minLength: 1 }),
    partition: Type.Integer({ minimum: 0 }),
    offset_kind: Type.String({ minLength: 1 }),
    start_offset: Decimal,
    end_offset: Decimal,
    /** Records consumed from the replay stream; must equal the replay receipt's `counts.records`. */
    records: Count,
    /** Records dropped because their `event_id` was already seen earlier in (topic, partition, offset) order. */
    duplicates_dropped: Count,
    /** Deduplicated events of row topics. */
    row_events: Count,
    /** Rows written. */
    rows: Count,
    /** Row events that were immature at the cutoff (`mature: false`). */
    immature: Count,
    /** Immature row events left out of the rows (training plans). */
    immature_excluded: Count,
  },
  { additionalProperties: false },
);

/** Totals over every slice (the same fields as a slice's counts). */
export const DraftTotalsSchema = Type.Object(
  {
    records: Count,
    duplicates_dropped: Count,
    row_events: Count,
    rows: Count,
    immature: Count,
    immature_excluded: Count,
  },
  { additionalProperties: false },
);

/**
 * `learning.ofs_draft_receipt.v1`: what reconstruction built for one plan — the parts (written
 * before the receipt, unreferenced until a manifest names them), the rows digest, the row
 * schema and per-slice counts. Written write-once at `{platform_run_id}/ofs/drafts/{plan_id}.json`;
 * no timestamps, so the same inputs always give the same bytes.
 */
export const DraftReceiptSchema = Type.Object(
  {
    schema_version: Type.Literal(DRAFT_RECEIPT_SCHEMA_VERSION),
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    platform_run_id: Type.String({ minLength: 1 }),
    dataset_manifest_id: Type.String({ pattern: '^dm_[0-9a-f]{32}$' }),
    basis_hash: Sha256Hex,
    training_posture: Type.Union([Type.Literal('TRAINING'), Type.Literal('NON_TRAINING')]),
    feature_profile: Type.Object(
      {
        feature_set_id: Type.String({ minLength: 1 }),
        feature_set_version: Type.String({ minLength: 1 }),
        ref: Type.String({ minLength: 1 }),
        digest: Sha256Hex,
      },
      { additionalProperties: false },
    ),
    policy: Type.Object({ revision: Type.String({ minLength: 1 }), digest: Sha256Hex }, { additionalProperties: false }),
    /** Rows per part (the policy's `part_rows`). */
    part_rows: Type.Integer({ minimum: 1 }),
    /** Label types joined into the rows, in policy order. */
    label_types: Type.Array(Type.String({ minLength: 1 })),
    /** Whether immature rows are in the dataset (`false` for training plans: they are excluded and counted). */
    immature_rows_included: Type.Boolean(),
    columns: Type.Array(ColumnSchema),
    /** Part format (absent = JSONL, drafts written before Parquet). */
    part_format: Type.Optional(PartFormatSchema),
    parts: Type.Array(DatasetPartSchema),
    rows_total: Count,
    rows_digest_recipe: RowsDigestRecipeSchema,
    rows_digest: Sha256Hex,
    bytes_total: Count,
    slices: Type.Array(DraftSliceCountsSchema),
    totals: DraftTotalsSchema,
    /** The build statistics (`learning.ofs_dataset_stats.v1`) by key and sha256; absent in drafts written before they existed. */
    stats: Type.Optional(Type.Object({ key: Type.String({ minLength: 1 }), sha256: Sha256Hex }, { additionalProperties: false })),
  },
  { additionalProperties: false, $id: DRAFT_RECEIPT_SCHEMA_VERSION, title: 'DraftReceipt' },
);

/** A draft receipt (see `DraftReceiptSchema`). */
export type DraftReceipt = Static<typeof DraftReceiptSchema>;
/** One dataset part. */
export type DatasetPart = Static<typeof DatasetPartSchema>;
/** Part settings recorded in a draft or manifest. */
export type PartFormatRecord = Static<typeof PartFormatSchema>;
/** One row column. */
export type Column = Static<typeof ColumnSchema>;
/** A column type. */
export type ColumnType = (typeof COLUMN_TYPES)[number];
/** Per-slice draft counts. */
export type DraftSliceCounts = Static<typeof DraftSliceCountsSchema>;
/** Draft totals. */
export type DraftTotals = Static<typeof DraftTotalsSchema>;

/** Object key of a plan's draft receipt. */
export function draftReceiptKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/drafts/${planId}.json`;
}

/** Object key of a content-addressed dataset part (`.jsonl` or `.parquet`). */
export function datasetPartKey(platformRunId: string, sha256: string, format: 'jsonl' | 'parquet' = 'jsonl'): string {
  return `${platformRunId}/ofs/parts/${sha256}.${format}`;
}
