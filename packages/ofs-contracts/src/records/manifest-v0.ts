import Type, { type Static } from 'typebox';
import { FeatureDefinitionSetSchema, LabelBasisSchema, ReplaySliceSchema } from './intent.js';

/** The schema version string of a v0 dataset manifest. */
export const DATASET_MANIFEST_V0_SCHEMA_VERSION = 'learning.dataset_manifest.v0';

/**
 * `learning.dataset_manifest.v0`, exactly the reference platform's schema, for legacy consumers.
 * The corridor publishes v1 manifests and projects them with `toManifestV0`.
 */
export const DatasetManifestV0Schema = Type.Object(
  {
    schema_version: Type.Literal(DATASET_MANIFEST_V0_SCHEMA_VERSION),
    dataset_manifest_id: Type.String({ minLength: 1 }),
    dataset_fingerprint: Type.String({ minLength: 8 }),
    platform_run_id: Type.String({ minLength: 1 }),
    scenario_run_ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    replay_basis: Type.Array(ReplaySliceSchema, { minItems: 1 }),
    label_basis: LabelBasisSchema,
    feature_definition_set: FeatureDefinitionSetSchema,
    provenance: Type.Object(
      {
        ofs_code_release_id: Type.String({ minLength: 1 }),
        config_revision: Type.String({ minLength: 1 }),
        run_config_digest: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: DATASET_MANIFEST_V0_SCHEMA_VERSION, title: 'DatasetManifestV0' },
);

/** A v0 dataset manifest. */
export type DatasetManifestV0 = Static<typeof DatasetManifestV0Schema>;
