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
