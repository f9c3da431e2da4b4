import Type, { type Static } from 'typebox';

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
