import Type, { type Static } from 'typebox';
import { ColumnSchema, DatasetPartSchema, PartFormatSchema, RowsDigestRecipeSchema } from './draft-receipt.js';
import { FeatureDefinitionSetSchema, ReplaySliceSchema } from './intent.js';
import { PlanLabelBasisSchema } from './plan.js';
import type { StatusClass } from './run.js';

/** The schema version string of a v1 dataset manifest. */
export const DATASET_MANIFEST_V1_SCHEMA_VERSION = 'learning.dataset_manifest.v1';

/** Publication status classes (the `StatusClass` of `run.ts`): what a consumer may assume about completeness. */
export const STATUS_CLASSES = ['COMPLETE_SUCCESS', 'INCOMPLETE_EXPLICIT', 'UNCHECKABLE_EXPLICIT'] as const satisfies readonly StatusClass[];

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
const JsonObject = Type.Object({}, { additionalProperties: true });

/** A stored artifact named by its store-relative key and the sha256 of its stored bytes. */
export const ArtifactRefSchema = Type.Object({ key: Type.String({ minLength: 1 }), sha256: Sha256Hex }, { additionalProperties: false });

/**
 * `learning.dataset_manifest.v1`: the single commit point of a dataset, what a model factory
 * trains from. Written write-once at `{platform_run_id}/ofs/manifests/{dataset_manifest_id}.json`
 * after every part and receipt it references; it holds no timestamps, so a rerun of the same
 * plan gives the same bytes.
 */
export const DatasetManifestV1Schema = Type.Object(
  {
    schema_version: Type.Literal(DATASET_MANIFEST_V1_SCHEMA_VERSION),
    dataset_manifest_id: Type.String({ pattern: '^dm_[0-9a-f]{32}$' }),
    dataset_fingerprint: Sha256Hex,
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    intent_kind: Type.Union([Type.Literal('dataset_build'), Type.Literal('parity_rebuild'), Type.Literal('forensic_rebuild')]),
    platform_run_id: Type.String({ minLength: 1 }),
    /** Sorted by code point. */
    scenario_run_ids: Type.Array(Type.String({ minLength: 1 })),
    /** Canonical order (identity law). */
    replay_basis: Type.Array(ReplaySliceSchema, { minItems: 1 }),
    basis_hash: Sha256Hex,
    label_basis: Type.Object(
      {
        ...PlanLabelBasisSchema.properties,
        /** What the label store held when labels were resolved (from the label receipt). */
        label_store_state_marker: Type.String({ minLength: 1 }),
        label_types: Type.Array(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    feature_definition_set: FeatureDefinitionSetSchema,
    feature_profile: Type.Object({ ref: Type.String({ minLength: 1 }), digest: Sha256Hex }, { additionalProperties: false }),
    join_scope: JsonObject,
    filters: JsonObject,
    training_posture: Type.Union([Type.Literal('TRAINING'), Type.Literal('NON_TRAINING')]),
    status_class: Type.Union([Type.Literal('COMPLETE_SUCCESS'), Type.Literal('INCOMPLETE_EXPLICIT'), Type.Literal('UNCHECKABLE_EXPLICIT')]),
    /** Replay and label statuses the status class was derived from. */
    replay_status: Type.String({ minLength: 1 }),
    label_status: Type.String({ minLength: 1 }),
    parts: Type.Array(DatasetPartSchema),
    rows_total: Type.Integer({ minimum: 0 }),
    bytes_total: Type.Integer({ minimum: 0 }),
    rows_digest_recipe: RowsDigestRecipeSchema,
    rows_digest: Sha256Hex,
    columns: Type.Array(ColumnSchema),
    evidence: Type.Object(
      { plan: ArtifactRefSchema, replay_receipt: ArtifactRefSchema, label_receipt: ArtifactRefSchema, draft_receipt: ArtifactRefSchema },
      { additionalProperties: false },
    ),
    provenance: Type.Object(
      {
        ofs_code_release_id: Type.String({ minLength: 1 }),
        config_revision: Type.String({ minLength: 1 }),
        policy_revision: Type.String({ minLength: 1 }),
        policy_digest: Sha256Hex,
        /** Digest of the runner's outcome-affecting configuration, when the runner supplies it. */
        run_config_digest: Type.Optional(Sha256Hex),
      },
      { additionalProperties: false },
    ),
    /** Manifests this one supersedes (a backfill), with the link that records why. */
    supersedes: Type.Optional(Type.Array(ArtifactRefSchema, { minItems: 1 })),
    backfill_reason: Type.Optional(Type.String({ minLength: 1 })),
    supersession_link: Type.Optional(ArtifactRefSchema),
  },
  { additionalProperties: false, $id: DATASET_MANIFEST_V1_SCHEMA_VERSION, title: 'DatasetManifestV1' },
);

/** A v1 dataset manifest (see `DatasetManifestV1Schema`). */
export type DatasetManifestV1 = Static<typeof DatasetManifestV1Schema>;
/** A stored artifact reference (key + sha256 of its bytes). */
export type ArtifactRef = Static<typeof ArtifactRefSchema>;

/** The schema version string of a v2 dataset manifest. */
export const DATASET_MANIFEST_V2_SCHEMA_VERSION = 'learning.dataset_manifest.v2';

/**
 * `learning.dataset_manifest.v2` (DESIGN §12): the v1 manifest plus the part format (`jsonl` or
 * `parquet`, compression, row-group size, pinned writer) and typed columns (`int64`, `decimal`
 * with precision and scale, `timestamp` with a unit). Later changes add optional fields.
 */
export const DatasetManifestV2Schema = Type.Object(
  {
    ...DatasetManifestV1Schema.properties,
    schema_version: Type.Literal(DATASET_MANIFEST_V2_SCHEMA_VERSION),
    part_format: PartFormatSchema,
  },
  { additionalProperties: false, $id: DATASET_MANIFEST_V2_SCHEMA_VERSION, title: 'DatasetManifestV2' },
);

/** A v2 dataset manifest (see `DatasetManifestV2Schema`). */
export type DatasetManifestV2 = Static<typeof DatasetManifestV2Schema>;
/** Any dataset manifest the corridor publishes or verifies (v1 from earlier releases, v2 now). */
export type DatasetManifest = DatasetManifestV1 | DatasetManifestV2;
/** Either manifest schema (validation of a stored manifest of either version). */
export const DatasetManifestSchema = Type.Union([DatasetManifestV1Schema, DatasetManifestV2Schema]);

/** Object key of a published manifest. */
export function datasetManifestKey(platformRunId: string, datasetManifestId: string): string {
  return `${platformRunId}/ofs/manifests/${datasetManifestId}.json`;
}
