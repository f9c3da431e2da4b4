// Shared fixture of the replay benchmarks: synthetic fraud-bus events and a plan around them.
import type { BuildPlan, ObjectStore, OffsetRange, ReplayRecord, ReplaySlice, ReplaySource } from '@ofs/contracts';
import { basisHash, canonicalJson, sha256Hex } from '@ofs/ids';

export const TOPIC = 'fp.bus.traffic.fraud.v1';

/** A deterministic event at `offset`. With `realHash` its payload_hash is the real sha256 of its canonical payload. */
export function makeRecord(partition: number, offset: number, realHash: boolean): ReplayRecord {
  const payload = {
    amount: `${(offset % 9973) + 1}.${String(offset % 100).padStart(2, '0')}`,
    card_id: `card_${offset % 50_000}`,
    channel: offset % 3 === 0 ? 'ecom' : 'pos',
    country: 'US',
    event_type: 'card_txn',
    merchant_id: `m_${offset % 7_000}`,
  };
  return {
    topic: TOPIC,
    partition,
    offset_kind: 'kafka_offset',
    offset: String(offset),
    event_id: `evt_${partition}_${offset}`,
    ts_utc: '2026-02-09T12:34:56.789Z',
    payload,
    payload_hash: realHash ? sha256Hex(canonicalJson(payload)) : HASHES[offset & 1023]!,
  };
}
const HASHES = Array.from({ length: 1024 }, (_, i) => sha256Hex(`bench-${i}`));

/** A source that generates its records on the fly (holds nothing): `[lo, hi]` of one partition. */
export function generatedSource(lo: number, hi: number): ReplaySource {
  return {
    async coverage(slice: ReplaySlice) {
      const s = Math.max(lo, Number(slice.start_offset));
      const e = Math.min(hi, Number(slice.end_offset));
      return s <= e ? [{ start: String(s), end: String(e) }] : [];
    },
    async *read(slice: ReplaySlice, range: OffsetRange) {
      const s = Math.max(lo, Number(range.start));
      const e = Math.min(hi, Number(range.end));
      for (let o = s; o <= e; o++) yield makeRecord(slice.partition, o, false);
    },
  };
}

/** A throwaway in-memory store. */
export function memoryStore(): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  return {
    async get(key) {
      return objects.get(key);
    },
    async putIfAbsent(key, bytes) {
      const existing = objects.get(key);
      if (existing) return { created: false, existing };
      objects.set(key, bytes);
      return { created: true };
    },
    async *list() {},
  };
}

/** A training plan over one slice per partition, `[0, n-1]` each. */
export function benchPlan(n: number, partitions = 1): BuildPlan {
  const replay_basis = Array.from({ length: partitions }, (_, p) => ({
    topic: TOPIC,
    partition: p,
    offset_kind: 'kafka_offset',
    start_offset: '0',
    end_offset: String(n - 1),
  }));
  return {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: `plan_${sha256Hex(`bench-${n}-${partitions}`).slice(0, 32)}`,
    intent_kind: 'dataset_build',
    training_posture: 'TRAINING',
    non_training_allowed: false,
    dataset_fingerprint: 'f'.repeat(64),
    dataset_manifest_id: `dm_${'e'.repeat(32)}`,
    platform_run_id: 'platform_20260210T120000Z',
    scenario_run_ids: [],
    replay_basis,
    basis_hash: basisHash(replay_basis),
    label_basis: {
      label_asof_utc: '2026-02-10T10:00:00Z',
      label_asof_instant: '2026-02-10T10:00:00Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      posture: 'KNEW_THEN',
    },
    feature_profile: { feature_set_id: 'core', feature_set_version: 'v1', ref: 'profiles/core.json', digest: 'd'.repeat(64) },
    run_facts: { ref: 'r.json', digest: 'c'.repeat(64), outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'g.json' }] },
    join_scope: {},
    filters: {},
    policy: { revision: 'p1', digest: 'b'.repeat(64) },
    config_revision: 'c1',
    ofs_code_release_id: 'git:bench',
  } as unknown as BuildPlan;
}
