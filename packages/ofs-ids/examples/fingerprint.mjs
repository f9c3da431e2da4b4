// Prints the identity of a sample build intent: its dataset fingerprint, manifest id, run key
// and plan-independent hashes. Run with `node examples/fingerprint.mjs` after `pnpm build`.
import { parseBuildIntent } from '@ofs/contracts';
import { basisHash, datasetFingerprint, datasetManifestId, identityOf, intentPayloadHash, runKey } from '@ofs/ids';

const intent = parseBuildIntent({
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.demo.req.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  replay_basis: [
    { topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '9999' },
    { topic: 'fp.bus.traffic.fraud.v1', partition: 1, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '9999' },
  ],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc', maturity_days: 30 },
  feature_definition_set: { feature_set_id: 'fraud-demo', feature_set_version: 'v1' },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'ofs-policy-v1',
  config_revision: 'local-v1',
  ofs_code_release_id: 'git:demo',
});

const fingerprint = datasetFingerprint(identityOf(intent));
console.log(
  JSON.stringify(
    {
      request_id: intent.request_id,
      run_key: runKey(intent.request_id),
      intent_payload_hash: intentPayloadHash(intent),
      dataset_fingerprint: fingerprint,
      dataset_manifest_id: datasetManifestId(fingerprint),
      basis_hash: basisHash(intent.replay_basis),
    },
    null,
    2,
  ),
);
