// Shared fixture of the publish benchmark (plain JS, used by the bench and its child process):
// demo card-payment events (the payload documented in packages/ofs-publish/README.md), a training
// plan over PARTITIONS kafka partitions, the policy and ~1% of events labelled.
import { join } from 'node:path';
import { writeSegmentFiles } from '@ofs/fs';
import { basisHash, canonicalJson, digestOf, sha256Hex } from '@ofs/ids';

export const TOPIC = 'fp.bus.traffic.fraud.v1';
export const PARTITIONS = 4;
export const RUN = 'platform_20260210T120000Z';
const START_MS = Date.UTC(2026, 0, 1);
/** Events of one partition are spread over 30 days. */
const SPAN_MS = 30 * 86_400_000;
const CHANNELS = ['ecom', 'pos', 'moto'];
const COUNTRIES = ['DE', 'FR', 'NL', 'US', 'GB'];

const mix = (x) => {
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
};

/** The payload of the event at (partition, offset) of a partition with `perPartition` events. */
export function payloadAt(partition, offset) {
  const h = mix(offset * 4 + partition + 1);
  return {
    card_id: `card_${h % 200_000}`,
    merchant_id: `m_${mix(h) % 5_000}`,
    amount: `${(h % 250_000) / 100 + 1}`.includes('.') ? ((h % 250_000) / 100 + 1).toFixed(2) : `${(h % 250_000) / 100 + 1}.00`,
    currency: 'EUR',
    channel: CHANNELS[h % 3],
    country: COUNTRIES[(h >>> 3) % 5],
  };
}

/** The event time of (partition, offset): increasing with the offset, a few late events. */
export function tsAt(partition, offset, perPartition) {
  const base = START_MS + Math.floor((offset * SPAN_MS) / perPartition);
  const late = mix(offset + 7 * partition) % 50 === 0 ? 90_000 : 0;
  return new Date(base - late).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const FAKE_HASHES = Array.from({ length: 1024 }, (_, i) => sha256Hex(`bench-${i}`));

/** A replay record; with `realHash` its payload_hash is the sha256 of its canonical payload. */
export function recordAt(partition, offset, perPartition, realHash) {
  const payload = payloadAt(partition, offset);
  return {
    topic: TOPIC,
    partition,
    offset_kind: 'kafka_offset',
    offset: String(offset),
    event_id: `evt_${partition}_${offset}`,
    ts_utc: tsAt(partition, offset, perPartition),
    payload,
    payload_hash: realHash ? sha256Hex(canonicalJson(payload)) : FAKE_HASHES[mix(offset * 4 + partition) & 1023],
  };
}

/** A source generating its records on read (holds nothing): offsets [lo, hi] of every partition. */
export function generatedSource(lo, hi) {
  const perPartition = hi + 1;
  return {
    async coverage(slice) {
      const s = Math.max(lo, Number(slice.start_offset));
      const e = Math.min(hi, Number(slice.end_offset));
      return s <= e ? [{ start: String(s), end: String(e) }] : [];
    },
    async *read(slice, range) {
      const e = Math.min(hi, Number(range.end));
      for (let o = Math.max(lo, Number(range.start)); o <= e; o++) yield recordAt(slice.partition, o, perPartition, false);
    },
  };
}

export function benchPolicy() {
  return {
    schema_version: 'learning.ofs_policy.v1',
    revision: 'bench-1',
    label_types: ['fraud_disposition'],
    min_label_coverage: 0,
    max_conflict_ratio: 1,
    max_publish_retries: 3,
    max_full_run_attempts: 3,
    part_rows: Number(process.env.PUBLISH_BENCH_PART_ROWS ?? 100_000),
    anomaly_list_limit: 1_000,
    label_batch_size: 5_000,
  };
}

/** A training plan over PARTITIONS partitions of `perPartition` offsets, demo profile, 1-day maturity. */
export function benchPlan(perPartition, policy, profile) {
  const replay_basis = Array.from({ length: PARTITIONS }, (_, p) => ({
    topic: TOPIC,
    partition: p,
    offset_kind: 'kafka_offset',
    start_offset: '0',
    end_offset: String(perPartition - 1),
  }));
  const seed = sha256Hex(`bench-publish-${perPartition}`);
  return {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: `plan_${seed.slice(0, 32)}`,
    intent_kind: 'dataset_build',
    training_posture: 'TRAINING',
    non_training_allowed: false,
    dataset_fingerprint: sha256Hex(`fp-${seed}`),
    dataset_manifest_id: `dm_${sha256Hex(`dm-${seed}`).slice(0, 32)}`,
    platform_run_id: RUN,
    scenario_run_ids: [],
    replay_basis,
    basis_hash: basisHash(replay_basis),
    label_basis: {
      label_asof_utc: '2026-01-31T00:00:00Z',
      label_asof_instant: '2026-01-31T00:00:00Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      maturity_days: 1,
      posture: 'KNEW_THEN',
    },
    feature_profile: {
      feature_set_id: profile.profile.feature_set_id,
      feature_set_version: profile.profile.feature_set_version,
      ref: profile.ref,
      digest: profile.digest,
    },
    run_facts: {
      ref: 'facts.json',
      digest: 'c'.repeat(64),
      outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'g.json' }],
    },
    join_scope: {},
    filters: {},
    policy: { revision: policy.revision, digest: digestOf(policy) },
    config_revision: 'c1',
    ofs_code_release_id: 'git:bench',
  };
}

/** Every 100th event of every partition labelled FRAUD or LEGIT, observed a day after the event. */
export function labelAssertions(perPartition) {
  const out = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let o = 0; o < perPartition; o += 100) {
      const observed = new Date(Date.parse(tsAt(p, o, perPartition)) + 86_400_000).toISOString();
      out.push({
        platform_run_id: RUN,
        event_id: `evt_${p}_${o}`,
        label_type: 'fraud_disposition',
        value: mix(o + p) % 10 === 0 ? 'FRAUD' : 'LEGIT',
        effective_time: observed,
        observed_time: observed,
        assertion_id: `a_${p}_${o}`,
      });
    }
  }
  return out;
}

/** Writes EB and Archive segment files for `n` events under `dir`: the Archive holds the first 60% of each partition, EB the last 60%. */
export async function writeSources(n, dir) {
  const per = Math.ceil(n / PARTITIONS);
  const started = performance.now();
  const eb = join(dir, 'eb');
  const archive = join(dir, 'archive');
  function* range(lo, hi) {
    for (let p = 0; p < PARTITIONS; p++) for (let o = lo; o <= hi; o++) yield recordAt(p, o, per, true);
  }
  await writeSegmentFiles({ root: archive, records: range(0, Math.floor(per * 0.6) - 1) });
  await writeSegmentFiles({ root: eb, records: range(Math.floor(per * 0.4), per - 1) });
  return { eb, archive, seconds: (performance.now() - started) / 1000 };
}
