// Reference feature profiles and run facts, end to end (issue 14 item 3): a build whose feature
// profile is the reference platform's YAML profile (as PyYAML parses it) translated by
// `translateReferenceProfile` and pinned by the reference's resolved-profile record, and whose run
// facts are assembled by `assembleRunFacts` from the scenario runner's receipts — never written by hand.
import { createMemoryObjectStore, type LabelAssertion, type OfsPolicy, type ReplayRecord } from '@ofs/contracts';
import { createReferenceFeatureProfiles, translateReferenceProfile } from '@ofs/features';
import { envelopeHash, writeOnceJson } from '@ofs/ids';
import { createMemoryLabelStore } from '@ofs/labels';
import { createMemoryLedgerStore } from '@ofs/ledger';
import { assembleRunFacts } from '@ofs/plan';
import { readDataset } from '@ofs/publish';
import { createMemoryReplaySource } from '@ofs/replay';
import { describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import { demoPolicy } from './demo/fixtures.js';

const PRID = 'platform_20260210T120000Z';
const SRID = '74bd83db1ad3d1fa136e579115d55429';
const FINGERPRINT = '2'.repeat(64);
const TOPIC = 'fp.bus.traffic.fraud.v1';
const KIND = 'kafka_offset';
const TYPE = 'fraud_disposition';
const FACTS_REF = `${PRID}/sr/run_facts_view/${SRID}.json`;
const OUTPUT = 's2_event_stream_baseline_6B';
const OUTPUT_PATH = `data/layer3/6B/s2_event_stream_baseline_6B/seed=42/manifest_fingerprint=${FINGERPRINT}/part-0.parquet`;

/** config/platform/ofp/features_v0.yaml of the reference, as PyYAML safe_load gives it. */
const referenceProfile = {
  policy_id: 'ofp.features.v0',
  revision: 'r1',
  feature_groups: [
    {
      name: 'core_features',
      version: 'v1',
      key_type: 'flow_id',
      windows: [
        { window: '1h', duration: '1h', ttl: '1h' },
        { window: '24h', duration: '24h', ttl: '24h' },
        { window: '7d', duration: '7d', ttl: '7d' },
      ],
    },
  ],
};

/** The reference resolver's `feature_profile` record for that document (vector `p3_repo_profile`). */
const referencePin = {
  profile_ref: 'config/platform/ofp/features_v0.yaml',
  feature_set_id: 'core_features',
  feature_set_version: 'v1',
  policy_id: 'ofp.features.v0',
  revision: 'r1',
  resolved_revision: 'ofp.features.v0@r1',
  profile_digest: 'ff641d0abf5916a56428a5c3bed05887ff3522766e71da1408f6f306bf2f3764',
  matched_group_digest: 'ae9a72f950881daa3c3b8aa4c40e0e7d3b2202448cf6dbd86660796223b7020e',
};

/** The scenario runner's evidence for the run, in its run_facts_view field names. */
function scenarioRunnerEvidence(status: 'PASS' | 'FAIL') {
  const pins = {
    manifest_fingerprint: FINGERPRINT,
    parameter_hash: '3'.repeat(64),
    seed: 42,
    scenario_id: 'baseline_v1',
    run_id: SRID,
    platform_run_id: PRID,
    scenario_run_id: SRID,
  };
  const locator = {
    output_id: OUTPUT,
    path: OUTPUT_PATH,
    manifest_fingerprint: FINGERPRINT,
    seed: 42,
    content_digest: { algo: 'sha256', hex: 'a'.repeat(64) },
  };
  return {
    run_id: SRID,
    platform_run_id: PRID,
    scenario_run_id: SRID,
    pins,
    locators: [locator],
    gate_receipts: [
      { gate_id: 'gate.layer3.6B.validation', status: 'PASS', scope: { manifest_fingerprint: FINGERPRINT }, receipt_kind: 'passed_flag' },
    ],
    instance_receipts: [
      {
        output_id: OUTPUT,
        status,
        scope: { manifest_fingerprint: FINGERPRINT },
        target_ref: locator,
        target_digest: { algo: 'sha256', hex: 'a'.repeat(64) },
        receipt_kind: 'instance_proof',
      },
    ],
    bundle_hash: 'c'.repeat(64),
  };
}

/** Twelve events of three flows, ten minutes apart; payloads carry more fields than the profile uses. */
function events(): { records: ReplayRecord[]; labels: LabelAssertion[] } {
  const records: ReplayRecord[] = [];
  const labels: LabelAssertion[] = [];
  for (let i = 0; i < 12; i++) {
    const event_id = `evt_${String(i).padStart(3, '0')}`;
    const ts_utc = new Date(Date.UTC(2026, 1, 10, 0, i * 10)).toISOString();
    const payload = { flow_id: `flow_${i % 3}`, amount: `${10 + i}.50`, merchant_id: `m_${i % 2}`, country: 'DE', score: i };
    const envelope = { event_type: 's2_event_stream_baseline_6B', manifest_fingerprint: FINGERPRINT };
    records.push({
      topic: TOPIC,
      partition: 0,
      offset_kind: KIND,
      offset: String(100 + i),
      event_id,
      ts_utc,
      payload,
      envelope,
      payload_hash: envelopeHash({ event_id, ts_utc, payload, envelope }),
    });
    const t = Date.parse(ts_utc) + 3_600_000;
    labels.push({
      assertion_id: `a_${i}`,
      platform_run_id: PRID,
      event_id,
      label_type: TYPE,
      value: i % 4 === 0 ? 'FRAUD_CONFIRMED' : 'LEGIT_CONFIRMED',
      effective_time: new Date(t).toISOString(),
      observed_time: new Date(t + 60_000).toISOString(),
    });
  }
  return { records, labels };
}

async function build(status: 'PASS' | 'FAIL') {
  const store = createMemoryObjectStore();
  const { view, withheld } = assembleRunFacts(scenarioRunnerEvidence(status), { key: FACTS_REF });
  await writeOnceJson(store, FACTS_REF, view);
  const options = { pin: referencePin, rowTopics: [TOPIC] };
  const { resolved } = translateReferenceProfile(referenceProfile, options);
  const { records, labels: assertions } = events();
  const labels = createMemoryLabelStore();
  await labels.append(assertions);
  const policy: OfsPolicy = {
    ...demoPolicy(),
    revision: 'ref-policy-r1',
    label_types: [TYPE],
    min_label_coverage: 0.5,
    max_conflict_ratio: 0,
    part_rows: 5,
  };
  const corridor = createCorridor({
    store,
    ledger: createMemoryLedgerStore(),
    eb: createMemoryReplaySource(records),
    archive: createMemoryReplaySource([]),
    labels,
    profiles: createReferenceFeatureProfiles(referenceProfile, options),
    policy,
    pins: { configRevision: 'ref-config-r1', codeReleaseId: 'ofs-test-release' },
    worker: 'reference-profile',
    leaseMs: 60_000,
  });
  const intent = {
    schema_version: 'learning.ofs_build_intent.v0',
    request_id: `ref.profile.${status.toLowerCase()}`,
    intent_kind: 'dataset_build',
    platform_run_id: PRID,
    scenario_run_ids: [SRID],
    replay_basis: [{ topic: TOPIC, partition: 0, offset_kind: KIND, start_offset: '100', end_offset: '111' }],
    label_basis: { label_asof_utc: '2026-02-12T00:00:00Z', resolution_rule: 'observed_time<=label_asof_utc' },
    feature_definition_set: { feature_set_id: 'core_features', feature_set_version: 'v1' },
    join_scope: { subject_key: 'platform_run_id,event_id', required_output_ids: [OUTPUT] },
    filters: {},
    run_facts_ref: FACTS_REF,
    policy_revision: 'ref-policy-r1',
    config_revision: 'ref-config-r1',
    ofs_code_release_id: 'ofs-test-release',
    non_training_allowed: false,
  };
  const done = await corridor.runBuild((await corridor.submit(intent)).run.run_key);
  return { store, done, resolved, withheld };
}

describe('a build with a translated reference profile and platform-assembled run facts', () => {
  it('has exactly the columns the profile declares — never ones derived from the payloads — with the windows’ values', async () => {
    const { store, done, resolved } = await build('PASS');
    expect(done).toMatchObject({ state: 'DONE', status_class: 'COMPLETE_SUCCESS' });
    const manifest = JSON.parse(new TextDecoder().decode(await store.get(done.manifest_key!)));
    expect(manifest.feature_profile).toEqual({ ref: 'config/platform/ofp/features_v0.yaml', digest: resolved.digest });

    const names: string[] = manifest.columns.map((c: { name: string }) => c.name);
    const features = names.filter(
      (n) => !['event_id', 'topic', 'partition', 'offset', 'offset_kind', 'ts_utc', 'payload_hash', 'mature'].includes(n),
    );
    const declared = ['entity_flow_id', ...resolved.profile.features.map((f) => f.name)];
    expect(declared).toEqual([
      'entity_flow_id',
      'event_count_1h',
      'amount_sum_1h',
      'event_count_24h',
      'amount_sum_24h',
      'event_count_7d',
      'amount_sum_7d',
    ]);
    expect(features.filter((n) => !n.startsWith('label_')).sort()).toEqual([...declared].sort());
    // Payload fields the profile does not declare never become columns.
    for (const field of ['merchant_id', 'country', 'score', 'amount', 'flow_id']) expect(names).not.toContain(field);

    const rows: Record<string, unknown>[] = [];
    for await (const row of readDataset(done.manifest_key!, { store })) rows.push(row);
    expect(rows).toHaveLength(12);
    // evt_009 (minute 90, flow_0): earlier flow_0 events at minutes 0, 30, 60 (10.50, 13.50, 16.50);
    // only minute 60 lies in the 1 h window (30, 90], all three in 24 h.
    expect(rows[9]).toMatchObject({
      event_id: 'evt_009',
      entity_flow_id: 'flow_0',
      event_count_1h: 1,
      amount_sum_1h: '16.5',
      event_count_24h: 3,
      amount_sum_24h: '40.5',
    });
  });

  it('a FAIL receipt from the platform leaves the output out of the run facts, and the build fails with NO_PASS_NO_READ', async () => {
    const { done, withheld } = await build('FAIL');
    expect(withheld.map((w) => w.output_id)).toEqual([OUTPUT]);
    expect(done.state).toBe('FAILED');
    expect(done.last_error?.code).toBe('NO_PASS_NO_READ');
  });
});
