// Identity-law throughput: canonicalJson against JSON.stringify on the same objects, and
// datasetFingerprint per second on a sample intent. Writes bench/results/ids.md.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseBuildIntent } from '@ofs/contracts';
import { canonicalJson, datasetFingerprint, identityOf } from '@ofs/ids';
import { Bench } from 'tinybench';

const intentPayload = {
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.bench.req.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  scenario_run_ids: ['run_b', 'run_a'],
  replay_basis: [
    { topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200000' },
    { topic: 'fp.bus.context.arrival_events.v1', partition: 1, offset_kind: 'kafka_offset', start_offset: '10', end_offset: '90000' },
  ],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc', maturity_days: 30 },
  feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
  join_scope: { subject_key: 'platform_run_id,event_id' },
  filters: { country: ['US'], merchant_segment: ['enterprise', 'sm_biz'] },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'ofs-policy-v0',
  config_revision: 'local-parity-v0',
  ofs_code_release_id: 'git:abc123',
};
const intent = parseBuildIntent(intentPayload);

function manifestLike(i: number) {
  return {
    schema_version: 'learning.dataset_manifest.v1',
    dataset_manifest_id: `dm_${'a'.repeat(32)}`,
    dataset_fingerprint: 'f'.repeat(64),
    platform_run_id: 'platform_20260210T091951Z',
    replay_basis: intentPayload.replay_basis,
    parts: Array.from({ length: 8 }, (_, p) => ({
      key: `platform/ofs/parts/${p}${i}.jsonl`,
      rows: 100000,
      bytes: 41234567,
      sha256: 'e'.repeat(64),
    })),
    rows_total: 800000,
    status_class: 'COMPLETE_SUCCESS',
  };
}
function eventRow(i: number) {
  return {
    event_id: `evt_${i.toString(16).padStart(12, '0')}`,
    topic: 'fp.bus.traffic.fraud.v1',
    partition: i % 8,
    offset: String(1_000_000 + i),
    ts_utc: '2026-02-09T12:34:56.789Z',
    card_id: `card_${i % 5000}`,
    merchant_id: `m_${i % 700}`,
    amount: '123.45',
    card_txn_count_1h: i % 17,
    card_amount_sum_24h: '1934.200000',
    merchant_txn_count_24h: 1200 + (i % 300),
    label_is_fraud: i % 97 === 0,
    label_is_fraud_status: 'LABELLED',
    country: 'US',
    ratio: 0.125 + (i % 7) / 1000,
  };
}
// A realistic mix: mostly event rows, some manifests, a few intents.
const mix: unknown[] = [];
for (let i = 0; i < 1000; i++) mix.push(eventRow(i));
for (let i = 0; i < 20; i++) mix.push(manifestLike(i));
for (let i = 0; i < 20; i++) mix.push(intentPayload);

let sink = 0;
const bench = new Bench({ time: 1500, warmupTime: 300 });
bench
  .add('JSON.stringify (baseline), mix of 1,040 objects', () => {
    for (const o of mix) sink += JSON.stringify(o).length;
  })
  .add('canonicalJson, same mix', () => {
    for (const o of mix) sink += canonicalJson(o).length;
  })
  .add('datasetFingerprint(identityOf(intent))', () => {
    sink += datasetFingerprint(identityOf(intent)).length;
  });
await bench.run();

const hz = (name: string) => {
  const task = bench.tasks.find((t) => t.name.startsWith(name));
  const result = task?.result as { throughput?: { mean: number }; hz?: number } | undefined;
  return result?.throughput?.mean ?? result?.hz ?? 0;
};
const stringifyHz = hz('JSON.stringify');
const canonicalHz = hz('canonicalJson');
const fingerprintHz = hz('datasetFingerprint');
const ratio = canonicalHz / stringifyHz;
const objectsPerSec = (h: number) => Math.round(h * mix.length);

const lines = [
  '# @ofs/ids benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench ids\` on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}.`,
  'Other work may have run on the machine at the same time; ratios are measured in the same run.',
  '',
  '| measurement | result | target | met |',
  '| --- | --- | --- | --- |',
  `| JSON.stringify on the mix (baseline) | ${objectsPerSec(stringifyHz).toLocaleString('en-US')} objects/s | – | – |`,
  `| canonicalJson on the same mix | ${objectsPerSec(canonicalHz).toLocaleString('en-US')} objects/s | – | – |`,
  `| canonicalJson / JSON.stringify | ${ratio.toFixed(2)}× | ≥ 0.5× | ${ratio >= 0.5 ? 'yes' : 'no'} |`,
  `| datasetFingerprint on the sample intent | ${Math.round(fingerprintHz).toLocaleString('en-US')} /s | ≥ 50,000 /s | ${fingerprintHz >= 50_000 ? 'yes' : 'no'} |`,
  '',
  'The mix is 1,000 event rows (15 fields), 20 v1-manifest-like records and 20 build intents.',
  '',
];
writeFileSync(new URL('./results/ids.md', import.meta.url), lines.join('\n'));
console.log(lines.join('\n'));
if (sink < 0) console.log(sink);
