// Runnable example (after `pnpm turbo run build --filter @ofs/publish...`):
//   node packages/ofs-publish/examples/demo.mjs
// Replays six demo card payments from an in-memory EB, resolves labels, reconstructs the rows with
// the demo profile, publishes the dataset and reads it back verified.
import { createMemoryObjectStore } from '@ofs/contracts';
import { basisHash, canonicalJson, digestOf, sha256Hex } from '@ofs/ids';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import { DEMO_TOPIC, findPublishedByPlan, publish, readDataset, reconstruct, resolvedDemoFeatureProfile, toManifestV0 } from '@ofs/publish';
import { createMemoryReplaySource, resolveReplay } from '@ofs/replay';

const RUN = 'platform_20260210T120000Z';
const policy = {
  schema_version: 'learning.ofs_policy.v1',
  revision: 'demo-1',
  label_types: ['fraud_disposition'],
  min_label_coverage: 0.5,
  max_conflict_ratio: 0.1,
  max_publish_retries: 3,
  max_full_run_attempts: 3,
  part_rows: 4,
  anomaly_list_limit: 1000,
  label_batch_size: 5000,
};
const profile = resolvedDemoFeatureProfile();
const replay_basis = [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '5' }];
// A plan as @ofs/plan's resolvePlan would produce it (ids shortened to fixed demo values).
const plan = {
  schema_version: 'learning.ofs_build_plan.v1',
  plan_id: 'plan_0123456789abcdef0123456789abcdef',
  intent_kind: 'dataset_build',
  training_posture: 'TRAINING',
  non_training_allowed: false,
  dataset_fingerprint: sha256Hex('demo'),
  dataset_manifest_id: 'dm_0123456789abcdef0123456789abcdef',
  platform_run_id: RUN,
  scenario_run_ids: [],
  replay_basis,
  basis_hash: basisHash(replay_basis),
  label_basis: {
    label_asof_utc: '2026-02-12T00:00:00Z',
    label_asof_instant: '2026-02-12T00:00:00Z',
    resolution_rule: 'observed_time<=label_asof_utc',
    posture: 'KNEW_THEN',
  },
  feature_profile: { feature_set_id: 'fraud-demo', feature_set_version: 'v1', ref: profile.ref, digest: profile.digest },
  run_facts: {
    ref: 'facts.json',
    digest: 'c'.repeat(64),
    outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'g.json' }],
  },
  join_scope: {},
  filters: {},
  policy: { revision: policy.revision, digest: digestOf(policy) },
  config_revision: 'c1',
  ofs_code_release_id: 'git:demo',
};

const events = [
  ['evt_1', '2026-02-10T10:00:00Z', 'card_1', 'm_1', '25.00'],
  ['evt_2', '2026-02-10T10:20:00Z', 'card_1', 'm_2', '310.50'],
  ['evt_3', '2026-02-10T10:21:00Z', 'card_2', 'm_2', '12.99'],
  ['evt_4', '2026-02-10T10:40:00Z', 'card_1', 'm_3', '999.99'],
  ['evt_5', '2026-02-10T12:00:00Z', 'card_2', 'm_1', '8.10'],
  ['evt_6', '2026-02-10T12:30:00Z', 'card_1', 'm_3', '1200.00'],
].map(([event_id, ts_utc, card_id, merchant_id, amount], offset) => {
  const payload = { card_id, merchant_id, amount, currency: 'EUR', channel: 'ecom', country: 'DE' };
  return {
    topic: DEMO_TOPIC,
    partition: 0,
    offset_kind: 'kafka_offset',
    offset: String(offset),
    event_id,
    ts_utc,
    payload,
    payload_hash: sha256Hex(canonicalJson(payload)),
  };
});

const store = createMemoryObjectStore();
const labelStore = createMemoryLabelStore();
await labelStore.append(
  events.map((e, i) => ({
    platform_run_id: RUN,
    event_id: e.event_id,
    label_type: 'fraud_disposition',
    value: i >= 3 ? 'FRAUD' : 'LEGIT',
    effective_time: '2026-02-11T00:00:00Z',
    observed_time: '2026-02-11T00:00:00Z',
    assertion_id: `a_${i}`,
  })),
);

const replay = resolveReplay(plan, { eb: createMemoryReplaySource(events), archive: createMemoryReplaySource([]), policy, store });
const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
const { draft, labelReceipt } = await reconstruct(plan, replay.records, { labels, profile, store, policy });
const { outcome, manifestKey, manifest } = await publish(plan, { replayReceipt: await replay.receipt, labelReceipt, draft }, { store });
console.log(outcome, manifestKey, manifest.status_class, `${manifest.rows_total} rows in ${manifest.parts.length} parts`);
for await (const row of readDataset(manifestKey, { store })) {
  console.log(row.event_id, row.card_txn_count_1h, row.card_amount_sum_24h, row.card_distinct_merchants_24h, row.label_fraud_disposition);
}
console.log('by plan:', (await findPublishedByPlan(store, plan))?.manifestKey === manifestKey);
console.log('v0:', toManifestV0(manifest).schema_version);
