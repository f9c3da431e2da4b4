import Type, { type Static } from 'typebox';
import { CoveragePolicySchema } from './coverage-policy.js';
import { FeatureDefinitionSetSchema, ReplaySliceSchema } from './intent.js';

/** Schema version of a resolved build plan. */
export const BUILD_PLAN_SCHEMA_VERSION = 'learning.ofs_build_plan.v1';

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
const JsonObject = Type.Object({}, { additionalProperties: true });

/** Whether the dataset may be used for training (strict gates) or not (explicit non-complete classes allowed). */
export const TRAINING_POSTURES = ['TRAINING', 'NON_TRAINING'] as const;
/** Label posture: what the labels knew at the cutoff, or what is known now (recorded, cutoff unchanged). */
export const LABEL_POSTURES = ['KNEW_THEN', 'KNOW_NOW'] as const;

/** The plan's label basis: the intent's cutoff, its canonical instant, rule, maturity and posture. */
export const PlanLabelBasisSchema = Type.Object(
  {
    /** The intent's cutoff as written (part of the fingerprint). */
    label_asof_utc: Type.String({ minLength: 1 }),
    /** The same instant in canonical UTC form (`canonicalizeInstant`). */
    label_asof_instant: Type.String({ minLength: 1 }),
    resolution_rule: Type.String({ minLength: 1 }),
    maturity_days: Type.Optional(Type.Integer({ minimum: 0 })),
    posture: Type.Union([Type.Literal('KNEW_THEN'), Type.Literal('KNOW_NOW')]),
  },
  { additionalProperties: false },
);

/**
 * `learning.ofs_build_plan.v1`: every meaning pin resolved before any replay. Written write-once at
 * `{platform_run_id}/ofs/plans/{plan_id}.json`; contains no timestamps, request ids or host data,
 * so the same pinned inputs always give the same bytes.
 */
export const BuildPlanSchema = Type.Object(
  {
    schema_version: Type.Literal(BUILD_PLAN_SCHEMA_VERSION),
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    intent_kind: Type.Union([Type.Literal('dataset_build'), Type.Literal('parity_rebuild'), Type.Literal('forensic_rebuild')]),
    training_posture: Type.Union([Type.Literal('TRAINING'), Type.Literal('NON_TRAINING')]),
    non_training_allowed: Type.Boolean(),
    dataset_fingerprint: Sha256Hex,
    dataset_manifest_id: Type.String({ pattern: '^dm_[0-9a-f]{32}$' }),
    platform_run_id: Type.String({ minLength: 1 }),
    /** Sorted by code point, duplicates removed at intent time. */
    scenario_run_ids: Type.Array(Type.String({ minLength: 1 })),
    /** Canonical order: (topic by code point, partition, offset_kind, start, end). */
    replay_basis: Type.Array(ReplaySliceSchema, { minItems: 1 }),
    basis_hash: Sha256Hex,
    label_basis: PlanLabelBasisSchema,
    feature_profile: Type.Object(
      {
        ...FeatureDefinitionSetSchema.properties,
        ref: Type.String({ minLength: 1 }),
        digest: Sha256Hex,
      },
      { additionalProperties: false },
    ),
    run_facts: Type.Object(
      {
        ref: Type.String({ minLength: 1 }),
        digest: Sha256Hex,
        /** World outputs the plan reads, each with the evidence that allowed it (no PASS → no read). */
        outputs: Type.Array(
          Type.Object(
            {
              output_id: Type.String({ minLength: 1 }),
              decided_by: Type.Union([Type.Literal('INSTANCE_RECEIPT'), Type.Literal('GATE_RECEIPT')]),
              evidence_ref: Type.String({ minLength: 1 }),
            },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
      },
      { additionalProperties: false },
    ),
    parity_anchor: Type.Optional(
      Type.Object({ ref: Type.String({ minLength: 1 }), digest: Sha256Hex, anchor: JsonObject }, { additionalProperties: false }),
    ),
    join_scope: JsonObject,
    filters: JsonObject,
    /**
     * The label types and thresholds this plan is gated by, resolved from the intent and the host
     * policy (`resolveCoveragePolicy`). Absent in plans written before it existed: those are gated
     * by the host policy's `label_types` / `min_label_coverage` / `max_conflict_ratio`.
     */
    coverage_policy: Type.Optional(CoveragePolicySchema),
    policy: Type.Object({ revision: Type.String({ minLength: 1 }), digest: Sha256Hex }, { additionalProperties: false }),
    config_revision: Type.String({ minLength: 1 }),
    ofs_code_release_id: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, $id: BUILD_PLAN_SCHEMA_VERSION, title: 'BuildPlan' },
);

/** A resolved build plan (see `BuildPlanSchema`). Stages take it as their first argument. */
export type BuildPlan = Static<typeof BuildPlanSchema>;
/** Training posture. */
export type TrainingPosture = (typeof TRAINING_POSTURES)[number];
/** Label posture. */
export type LabelPosture = (typeof LABEL_POSTURES)[number];
