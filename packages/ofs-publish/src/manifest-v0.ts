import { DATASET_MANIFEST_V0_SCHEMA_VERSION, type DatasetManifestV0, DatasetManifestV0Schema, type DatasetManifest } from '@ofs/contracts';
import { assertSchema } from './schema-check.js';

/**
 * Projects a v1 or v2 manifest onto the reference platform's `learning.dataset_manifest.v0` for legacy
 * consumers, and validates the result (`SCHEMA_INVALID` if it does not match the v0 schema).
 * The v0 shape cannot carry parts, digests or status: a v0 consumer must resolve the data
 * through the v1/v2 manifest of the same `dataset_manifest_id`.
 */
export function toManifestV0(manifest: DatasetManifest): DatasetManifestV0 {
  const lb = manifest.label_basis;
  const v0: DatasetManifestV0 = {
    schema_version: DATASET_MANIFEST_V0_SCHEMA_VERSION,
    dataset_manifest_id: manifest.dataset_manifest_id,
    dataset_fingerprint: manifest.dataset_fingerprint,
    platform_run_id: manifest.platform_run_id,
    scenario_run_ids: [...manifest.scenario_run_ids],
    replay_basis: manifest.replay_basis.map((s) => ({ ...s })),
    label_basis: {
      label_asof_utc: lb.label_asof_utc,
      resolution_rule: lb.resolution_rule,
      ...(lb.maturity_days === undefined ? {} : { maturity_days: lb.maturity_days }),
    },
    feature_definition_set: { ...manifest.feature_definition_set },
    provenance: {
      ofs_code_release_id: manifest.provenance.ofs_code_release_id,
      config_revision: manifest.provenance.config_revision,
      ...(manifest.provenance.run_config_digest === undefined ? {} : { run_config_digest: manifest.provenance.run_config_digest }),
    },
  };
  assertSchema(DatasetManifestV0Schema, v0, 'SCHEMA_INVALID', 'the v0 projection');
  return v0;
}
