import Type, { type Static } from 'typebox';
import { ValueTypeSchema } from './feature-profile.js';

/** Schema version of the OFS policy record. */
export const OFS_POLICY_SCHEMA_VERSION = 'learning.ofs_policy.v1';

/**
 * `OfsPolicy`: host-provided, versioned by `revision`; its canonical digest is pinned in every
 * plan. Every field that can change a dataset's bytes (e.g. `part_rows`) lives here, so the
 * revision pins it.
 */
export const OfsPolicySchema = Type.Object(
  {
    schema_version: Type.Literal(OFS_POLICY_SCHEMA_VERSION),
    revision: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._:=-]{1,128}$' }),
    label_types: Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]{1,64}$' }), { minItems: 1, uniqueItems: true }),
    min_label_coverage: Type.Number({ minimum: 0, maximum: 1 }),
    max_conflict_ratio: Type.Number({ minimum: 0, maximum: 1 }),
    /**
     * Default minimum coverage per label type, used when an intent names no threshold map (the
     * role of the reference's `default_min_coverage_by_label_type`). Absent: every type in
     * `label_types` gets `min_label_coverage`.
     */
    min_coverage_by_label_type: Type.Optional(
      Type.Record(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.Number({ minimum: 0, maximum: 1 })),
    ),
    /**
     * Label types an intent may ask for (the reference's taxonomy). Absent: `label_types` plus the
     * keys of `min_coverage_by_label_type`.
     */
    label_taxonomy: Type.Optional(
      Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]{1,64}$' }), { minItems: 1, uniqueItems: true }),
    ),
    /** A floor no intent may go below: an intent asking less coverage for any type is refused. */
    min_label_coverage_floor: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** A ceiling no intent may go above: an intent allowing a larger conflict ratio is refused. */
    max_conflict_ratio_ceiling: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    max_publish_retries: Type.Integer({ minimum: 0, maximum: 100, default: 3 }),
    max_full_run_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    part_rows: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
    anomaly_list_limit: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1_000 }),
    label_batch_size: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5_000 }),
    /**
     * Format of the dataset parts. Absent means `jsonl` (policies written before Parquet keep
     * their digests and their datasets' bytes); new policies should say `parquet`.
     */
    part_format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('parquet')])),
    /** Parquet page compression (default `zstd`); ignored for `jsonl`. */
    part_compression: Type.Optional(Type.Union([Type.Literal('zstd'), Type.Literal('snappy'), Type.Literal('none')])),
    /** Rows per Parquet row group (default 100 000, at most `part_rows` in effect); ignored for `jsonl`. */
    row_group_rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    /** Label value column types by label type (profile v2 rows; default `string`). */
    label_value_types: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), ValueTypeSchema)),
  },
  { additionalProperties: false, $id: OFS_POLICY_SCHEMA_VERSION, title: 'OfsPolicy' },
);

/** An OFS policy (see `OfsPolicySchema`). */
export type OfsPolicy = Static<typeof OfsPolicySchema>;

/** Defaults for the optional numeric fields of a policy. */
export const OFS_POLICY_DEFAULTS = {
  max_publish_retries: 3,
  max_full_run_attempts: 3,
  part_rows: 100_000,
  anomaly_list_limit: 1_000,
  label_batch_size: 5_000,
} as const;

/** A dataset part format. */
export type PartFormat = 'jsonl' | 'parquet';
/** A Parquet page compression. */
export type PartCompression = 'zstd' | 'snappy' | 'none';

/** The part settings a policy pins, with the defaults filled (absent `part_format` = `jsonl`). */
export interface PartSettings {
  readonly format: PartFormat;
  /** `none` for JSONL parts. */
  readonly compression: PartCompression;
  /** Rows per row group (Parquet); `part_rows` for JSONL parts. */
  readonly row_group_rows: number;
}

/** The part settings of a policy: `jsonl` when it names none (old policies keep their datasets' bytes). */
export function partSettings(policy: Pick<OfsPolicy, 'part_format' | 'part_compression' | 'row_group_rows' | 'part_rows'>): PartSettings {
  const partRows = policy.part_rows ?? OFS_POLICY_DEFAULTS.part_rows;
  if ((policy.part_format ?? 'jsonl') === 'jsonl') return { format: 'jsonl', compression: 'none', row_group_rows: partRows };
  return {
    format: 'parquet',
    compression: policy.part_compression ?? 'zstd',
    row_group_rows: Math.min(partRows, policy.row_group_rows ?? 100_000),
  };
}
