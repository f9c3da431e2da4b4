// Helpers for this package's tests (not exported from the package).
import type { BuildPlan, ObjectStore, ReplayReceipt, ReplayRecord, ReplaySlice, TrainingPosture } from '@ofs/contracts';
import { basisHash, canonicalReplayBasis } from '@ofs/ids';
import type { ReplayResolution } from './resolve-replay.js';

/** A tiny write-once in-memory store with a log of writes. */
export function testStore(): ObjectStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    async get(key) {
      return objects.get(key);
    },
    async putIfAbsent(key, bytes) {
      const existing = objects.get(key);
      if (existing) return { created: false, existing };
      objects.set(key, bytes);
      return { created: true };
    },
    async *list(prefix) {
      for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield key;
    },
  };
}

/** A plan with `basis` (put in canonical order) and the given posture; other pins are fixed. */
export function testPlan(
  basis: readonly ReplaySlice[],
  posture: TrainingPosture = 'TRAINING',
  planId = 'plan_0123456789abcdef0123456789abcdef',
): BuildPlan {
  const replay_basis = canonicalReplayBasis(basis);
  return {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: planId,
    intent_kind: 'dataset_build',
    training_posture: posture,
    non_training_allowed: posture === 'NON_TRAINING',
    dataset_fingerprint: 'f'.repeat(64),
    dataset_manifest_id: `dm_${'e'.repeat(32)}`,
    platform_run_id: 'platform_20260210T120000Z',
    scenario_run_ids: [],
    replay_basis,
    basis_hash: basisHash(replay_basis),
    label_basis: {
      label_asof_utc: '2026-02-10T10:00:00Z',
      label_asof_instant: '2026-02-10T10:00:00.000000Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      posture: 'KNEW_THEN',
    },
    feature_profile: { feature_set_id: 'core_features', feature_set_version: 'v1', ref: 'profiles/core.json', digest: 'd'.repeat(64) },
    run_facts: {
      ref: 'x/run_facts.json',
      digest: 'c'.repeat(64),
      outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'x/g.json' }],
    },
    join_scope: {},
    filters: {},
    policy: { revision: 'p1', digest: 'b'.repeat(64) },
    config_revision: 'c1',
    ofs_code_release_id: 'git:abc',
  } as unknown as BuildPlan;
}

/** A record whose hash is just a label (the corridor compares hashes; it does not recompute them). */
export function rec(topic: string, partition: number, kind: string, offset: string | bigint, hash: string): ReplayRecord {
  const o = offset.toString();
  return {
    topic,
    partition,
    offset_kind: kind,
    offset: o,
    event_id: `e-${partition}-${o}`,
    ts_utc: '2026-02-10T09:00:00Z',
    payload: { o },
    payload_hash: hash,
  };
}

/** Drains the records and awaits the receipt. */
export async function drain(resolution: ReplayResolution): Promise<{ records: ReplayRecord[]; receipt: ReplayReceipt }> {
  const records: ReplayRecord[] = [];
  for await (const r of resolution.records) records.push(r);
  return { records, receipt: await resolution.receipt };
}

/** `c` repeated 64 times: a syntactically valid payload hash. */
export const H = (c: string): string => c.repeat(64);

/** A policy with a small anomaly list. */
export const POLICY = { anomaly_list_limit: 1000 };
