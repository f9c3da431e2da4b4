import Type, { type Static } from 'typebox';

/** Schema version of the label receipt. */
export const LABEL_RECEIPT_SCHEMA_VERSION = 'learning.ofs_label_receipt.v1';

const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const Count = Type.Integer({ minimum: 0 });
const LabelValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** Counts of one label type over the eligible (mature) subjects. */
export const LabelTypeCountsSchema = Type.Object(
  {
    labelled: Count,
    conflict: Count,
    unlabelled: Count,
    /** Labelled subjects per winning value, sorted by the value's canonical JSON. */
    values: Type.Array(Type.Object({ value: LabelValue, count: Count }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** The per-partition resolved-labels digest recipe (recipes v3; see `LabelReceiptSchema`). */
export const RESOLVED_DIGEST_RECIPE_V2 = 'ofs.labels.resolved_digest.v2';

/**
 * `learning.ofs_label_receipt.v1`: what label resolution saw and decided for one plan. Written
 * write-once at `{platform_run_id}/ofs/labels/{plan_id}.json`; a pure function of the plan, the
 * policy, the store's scoped state and the subjects fed — it holds no time of the build.
 *
 * Eligible subjects are the mature ones (all of them without `maturity_days`). Per label type,
 * coverage = LABELLED / eligible and conflict ratio = CONFLICT / eligible (0 and 0 when nothing is
 * eligible). `coverage` is the smallest per-type coverage and `conflict_ratio` the largest per-type
 * conflict ratio, so the gate holds for every label type.
 */
export const LabelReceiptSchema = Type.Object(
  {
    schema_version: Type.Literal(LABEL_RECEIPT_SCHEMA_VERSION),
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    platform_run_id: Type.String({ minLength: 1 }),
    /** The cutoff as a canonical UTC instant. */
    label_asof_utc: Type.String({ minLength: 1 }),
    resolution_rule: Type.String({ minLength: 1 }),
    // Literal tuples (not `LABEL_POSTURES.map(…)`), so the static type is the union, not `never`.
    posture: Type.Union([Type.Literal('KNEW_THEN'), Type.Literal('KNOW_NOW')]),
    training_posture: Type.Union([Type.Literal('TRAINING'), Type.Literal('NON_TRAINING')]),
    maturity_days: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** `label_asof_utc − maturity_days` (canonical instant); events after it are immature. */
    maturity_cutoff_utc: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    store_state_marker: Type.String({ minLength: 1 }),
    /** In policy order. */
    label_types: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    policy: Type.Object(
      {
        revision: Type.String({ minLength: 1 }),
        min_label_coverage: Ratio,
        max_conflict_ratio: Ratio,
        /** The plan's per-type thresholds (plans with a `coverage_policy`); they gate instead of `min_label_coverage`. */
        min_coverage_by_label_type: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Ratio)),
      },
      { additionalProperties: false },
    ),
    status: Type.Union([Type.Literal('READY_FOR_TRAINING'), Type.Literal('NOT_READY_FOR_TRAINING')]),
    /** Why the status is NOT_READY_FOR_TRAINING (sorted), e.g. `COVERAGE_BELOW_MIN:fraud_disposition`. */
    reasons: Type.Array(Type.String({ minLength: 1 })),
    coverage: Ratio,
    conflict_ratio: Ratio,
    coverage_by_type: Type.Record(Type.String(), Ratio),
    conflict_ratio_by_type: Type.Record(Type.String(), Ratio),
    counts: Type.Object(
      {
        /** Subjects fed to `resolveBatch`, over all batches. */
        subjects: Count,
        mature: Count,
        immature: Count,
        /** Per label type, over the mature subjects. */
        by_type: Type.Record(Type.String(), LabelTypeCountsSchema),
        /** Subject × type pairs in CONFLICT, over the mature subjects. */
        conflicts: Count,
      },
      { additionalProperties: false },
    ),
    /**
     * sha256 hex over the resolved labels in feed order, one line per subject:
     * `JSON.stringify([event_id, mature, status₁, value₁, assertion_id₁, …])` + `\n`, types in policy
     * order (recipe `ofs.labels.resolved_digest.v1`). Independent of how subjects were batched.
     */
    resolved_digest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /**
     * The recipe of `resolved_digest` when it is not `ofs.labels.resolved_digest.v1`:
     * `ofs.labels.resolved_digest.v2` keeps the v1 lines per topic partition and combines them as
     * sha256 over `{topic}/{partition} {partition_digest}\n` in replay-basis order (recipes v3).
     */
    resolved_digest_recipe: Type.Optional(Type.Literal(RESOLVED_DIGEST_RECIPE_V2)),
  },
  { additionalProperties: false, $id: LABEL_RECEIPT_SCHEMA_VERSION, title: 'LabelReceipt' },
);

/** A label receipt (see `LabelReceiptSchema`). */
export type LabelReceipt = Static<typeof LabelReceiptSchema>;
/** Counts of one label type (see `LabelTypeCountsSchema`). */
export type LabelTypeCounts = Static<typeof LabelTypeCountsSchema>;
