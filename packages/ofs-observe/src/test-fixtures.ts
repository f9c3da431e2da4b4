// Test-only builders of ledger runs, events and stored artifacts that match the contracts' schemas.
import type {
  BuildPlan,
  DatasetManifestV1,
  LabelReceipt,
  ObjectStore,
  ReplayReceipt,
  RunEvent,
  RunEventType,
  RunRecord,
  RunState,
} from '@ofs/contracts';
import { replayReceiptKey } from '@ofs/contracts';
import { sampleRunRecord } from '@ofs/contracts/testing';
import { canonicalJson, runKey, sha256Hex, utf8 } from '@ofs/ids';
import { labelReceiptKey, planKey } from './observations.js';

export const PLATFORM_RUN = 'platform_run_a';
const hex = (seed: string, n = 64): string => sha256Hex(seed).slice(0, n);

/** A run record with sensible defaults (the contract suite's sample, in this run's scope). */
export function runRecord(name: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return sampleRunRecord(runKey(`req.${name}.0001`), {
    request_id: `req.${name}.0001`,
    platform_run_id: PLATFORM_RUN,
    intent_payload_hash: hex(`payload ${name}`),
    intent: {
      request_id: `req.${name}.0001`,
      ofs_code_release_id: 'ofs-1.0.0',
      replay_basis: [{ topic: 'fp.bus.traffic.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '99' }],
    },
    created_at_ms: 1_700_000_000_000,
    updated_at_ms: 1_700_000_000_000,
    ...overrides,
  });
}

/** Events of a run: `[type, to_state, details]` in order, seq from 1, one second apart. */
export function runEvents(run: RunRecord, steps: readonly [RunEventType, RunState, Record<string, unknown>?][]): RunEvent[] {
  let from: RunState | null = null;
  return steps.map(([type, to, details], i) => {
    const event: RunEvent = {
      run_key: run.run_key,
      seq: i + 1,
      type,
      from_state: from,
      to_state: to,
      at_ms: run.created_at_ms + i * 1000,
      worker: type === 'SUBMITTED' ? null : 'w1',
      details: details ?? {},
    };
    from = to;
    return event;
  });
}

export function planIdOf(name: string): string {
  return `plan_${hex(`plan ${name}`, 32)}`;
}

export function manifestIdOf(name: string): string {
  return `dm_${hex(`manifest ${name}`, 32)}`;
}

export function manifestKeyOf(name: string): string {
  return `${PLATFORM_RUN}/ofs/manifests/${manifestIdOf(name)}.json`;
}

/** A replay receipt with one slice. */
export function replayReceipt(
  planId: string,
  counts: { records: number; from_archive?: number; mismatches?: number; missing?: string; status?: ReplayReceipt['status'] },
): ReplayReceipt {
  const fromArchive = counts.from_archive ?? 0;
  const c = {
    records: counts.records,
    from_eb: counts.records - fromArchive,
    from_archive: fromArchive,
    duplicates: 0,
    mismatches: counts.mismatches ?? 0,
    dropped_out_of_range: 0,
    dropped_foreign: 0,
  };
  const anomalies: Record<string, number> = {};
  if ((counts.mismatches ?? 0) > 0) anomalies.REPLAY_BASIS_MISMATCH = counts.mismatches!;
  if ((counts.missing ?? '0') !== '0') anomalies.REPLAY_BASIS_GAP = 1;
  return {
    schema_version: 'learning.ofs_replay_receipt.v1',
    plan_id: planId,
    platform_run_id: PLATFORM_RUN,
    basis_hash: hex(`basis ${planId}`),
    training_posture: 'TRAINING',
    status: counts.status ?? 'COMPLETE',
    evidence_digest: hex(`evidence ${planId}`),
    slices: [
      {
        topic: 'fp.bus.traffic.v1',
        partition: 0,
        offset_kind: 'kafka_offset',
        start_offset: '0',
        end_offset: '99',
        status: counts.status ?? 'COMPLETE',
        mode: fromArchive > 0 ? 'ARCHIVE_THEN_EB' : 'EB_ONLY',
        cutover_offset: fromArchive > 0 ? String(fromArchive - 1) : null,
        eb_coverage: [{ start: '0', end: '99' }],
        archive_coverage: [],
        selected: { eb: [{ start: '0', end: '99' }], archive: [] },
        missing: [],
        missing_offsets: counts.missing ?? '0',
        ranges_truncated: false,
        counts: c,
      },
    ],
    totals: c,
    anomalies: { total: Object.values(anomalies).reduce((a, b) => a + b, 0), by_code: anomalies, list: [], truncated: false },
  };
}

/** A label receipt. */
export function labelReceipt(planId: string, coverage: number, subjects: number): LabelReceipt {
  const labelled = Math.round(subjects * coverage);
  return {
    schema_version: 'learning.ofs_label_receipt.v1',
    plan_id: planId,
    platform_run_id: PLATFORM_RUN,
    label_asof_utc: '2026-01-01T00:00:00.000Z',
    resolution_rule: 'observed_time<=label_asof_utc',
    posture: 'KNEW_THEN',
    training_posture: 'TRAINING',
    maturity_days: null,
    maturity_cutoff_utc: null,
    store_state_marker: `labels:${subjects}:${hex(`marker ${planId}`, 16)}`,
    label_types: ['fraud_disposition'],
    policy: { revision: 'r1', min_label_coverage: 0.5, max_conflict_ratio: 0.1 },
    status: coverage >= 0.5 ? 'READY_FOR_TRAINING' : 'NOT_READY_FOR_TRAINING',
    reasons: coverage >= 0.5 ? [] : ['COVERAGE_BELOW_MIN:fraud_disposition'],
    coverage,
    conflict_ratio: 0,
    coverage_by_type: { fraud_disposition: coverage },
    conflict_ratio_by_type: { fraud_disposition: 0 },
    counts: {
      subjects,
      mature: subjects,
      immature: 0,
      by_type: {
        fraud_disposition: { labelled, conflict: 0, unlabelled: subjects - labelled, values: [{ value: 'FRAUD', count: labelled }] },
      },
      conflicts: 0,
    },
    resolved_digest: hex(`resolved ${planId}`),
  };
}

/** A manifest whose evidence refs point at the given stored receipts. */
export function manifest(name: string, planId: string, rows: number, evidence: DatasetManifestV1['evidence']): DatasetManifestV1 {
  return {
    schema_version: 'learning.dataset_manifest.v1',
    dataset_manifest_id: manifestIdOf(name),
    dataset_fingerprint: hex(`fingerprint ${name}`),
    plan_id: planId,
    intent_kind: 'dataset_build',
    platform_run_id: PLATFORM_RUN,
    scenario_run_ids: [],
    replay_basis: [{ topic: 'fp.bus.traffic.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '99' }],
    basis_hash: hex(`basis ${planId}`),
    label_basis: {
      label_asof_utc: '2026-01-01T00:00:00Z',
      label_asof_instant: '2026-01-01T00:00:00.000Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      posture: 'KNEW_THEN',
      label_store_state_marker: 'labels:100',
      label_types: ['fraud_disposition'],
    },
    feature_definition_set: { feature_set_id: 'fraud_core', feature_set_version: 'v1' },
    feature_profile: { ref: 'profiles/fraud_core/v1.json', digest: hex('profile') },
    join_scope: {},
    filters: {},
    training_posture: 'TRAINING',
    status_class: 'COMPLETE_SUCCESS',
    replay_status: 'COMPLETE',
    label_status: 'READY_FOR_TRAINING',
    parts: [{ key: `${PLATFORM_RUN}/ofs/parts/${hex(`part ${name}`)}.jsonl`, rows, bytes: rows * 100, sha256: hex(`part ${name}`) }],
    rows_total: rows,
    bytes_total: rows * 100,
    rows_digest_recipe: 'ofs.rows_digest.v2',
    rows_digest: hex(`rows ${name}`),
    columns: [
      { name: 'event_id', type: 'string', nullable: false, source: 'event' },
      { name: 'amount_sum_1h', type: 'decimal', nullable: true, source: 'feature', description: 'sum of amounts over 1h' },
      { name: 'label_fraud_disposition', type: 'string', nullable: true, source: 'label' },
    ],
    evidence,
    provenance: { ofs_code_release_id: 'ofs-1.0.0', config_revision: 'c1', policy_revision: 'r1', policy_digest: hex('policy') },
  };
}

/** A stored build plan (only the fields lineage reads are meaningful). */
export function buildPlan(planId: string, name: string): BuildPlan {
  return {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: planId,
    intent_kind: 'dataset_build',
    training_posture: 'TRAINING',
    non_training_allowed: false,
    dataset_fingerprint: hex(`fingerprint ${name}`),
    dataset_manifest_id: manifestIdOf(name),
    platform_run_id: PLATFORM_RUN,
    scenario_run_ids: [],
    replay_basis: [{ topic: 'fp.bus.traffic.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '99' }],
    basis_hash: hex(`basis ${planId}`),
    label_basis: {
      label_asof_utc: '2026-01-01T00:00:00Z',
      label_asof_instant: '2026-01-01T00:00:00.000Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      posture: 'KNEW_THEN',
    },
    feature_profile: {
      feature_set_id: 'fraud_core',
      feature_set_version: 'v1',
      ref: 'profiles/fraud_core/v1.json',
      digest: hex('profile'),
    },
    run_facts: {
      ref: `${PLATFORM_RUN}/sr/run_facts_view.json`,
      digest: hex('facts'),
      outputs: [{ output_id: 'traffic', decided_by: 'GATE_RECEIPT', evidence_ref: `${PLATFORM_RUN}/gates/traffic.json` }],
    },
    join_scope: {},
    filters: {},
    policy: { revision: 'r1', digest: hex('policy') },
    config_revision: 'c1',
    ofs_code_release_id: 'ofs-1.0.0',
  };
}

async function put(store: ObjectStore, key: string, value: unknown): Promise<{ key: string; sha256: string }> {
  const bytes = utf8(canonicalJson(value));
  await store.putIfAbsent(key, bytes);
  return { key, sha256: sha256Hex(bytes) };
}

/** A published run with every artifact stored: plan, receipts, draft placeholder and manifest. */
export interface PublishedRun {
  run: RunRecord;
  events: RunEvent[];
  plan: BuildPlan;
  replay: ReplayReceipt;
  labels: LabelReceipt;
  manifest: DatasetManifestV1;
}

/** Stores a DONE run's artifacts and returns its record and events. */
export async function publishedRun(
  store: ObjectStore,
  name: string,
  options: {
    rows?: number;
    from_archive?: number;
    coverage?: number;
    outcome?: 'NEW' | 'ALREADY_PUBLISHED';
    planName?: string;
    evidenceRefs?: Record<string, unknown>[];
  } = {},
): Promise<PublishedRun> {
  const planName = options.planName ?? name;
  const planId = planIdOf(planName);
  const rows = options.rows ?? 100;
  const plan = buildPlan(planId, planName);
  const replay = replayReceipt(planId, { records: rows, from_archive: options.from_archive ?? 0 });
  const labels = labelReceipt(planId, options.coverage ?? 1, rows);
  const planRef = await put(store, planKey(PLATFORM_RUN, planId), plan);
  const replayRef = await put(store, replayReceiptKey(PLATFORM_RUN, planId), replay);
  const labelRef = await put(store, labelReceiptKey(PLATFORM_RUN, planId), labels);
  const draftRef = await put(store, `${PLATFORM_RUN}/ofs/drafts/${planId}.json`, { draft: planId });
  const m = manifest(planName, planId, rows, {
    plan: planRef,
    replay_receipt: replayRef,
    label_receipt: labelRef,
    draft_receipt: draftRef,
  });
  await put(store, manifestKeyOf(planName), m);
  const base = runRecord(name);
  const steps: [RunEventType, RunState, Record<string, unknown>?][] = [
    ['SUBMITTED', 'QUEUED'],
    ['CLAIMED', 'RUNNING', { mode: 'FULL' }],
    ['STAGE', 'RUNNING', { stage: 'plan', plan_id: planId }],
    ...(options.evidenceRefs ?? []).map((d): [RunEventType, RunState, Record<string, unknown>] => ['EVIDENCE_REF', 'RUNNING', d]),
    ['COMPLETED', 'DONE', { outcome: options.outcome ?? 'NEW', manifest_key: manifestKeyOf(planName) }],
  ];
  const events = runEvents(base, steps);
  const run = runRecord(name, {
    state: 'DONE',
    version: events.length,
    full_run_attempts: 1,
    outcome: options.outcome ?? 'NEW',
    manifest_key: manifestKeyOf(planName),
    status_class: 'COMPLETE_SUCCESS',
    plan_id: planId,
    updated_at_ms: events[events.length - 1]!.at_ms,
  });
  return { run, events, plan, replay, labels, manifest: m };
}

/** A FAILED run (no artifacts). */
export function failedRun(
  name: string,
  code: string,
  stage = 'replay',
  extraSteps: [RunEventType, RunState, Record<string, unknown>?][] = [],
): { run: RunRecord; events: RunEvent[] } {
  const base = runRecord(name);
  const events = runEvents(base, [
    ['SUBMITTED', 'QUEUED'],
    ['CLAIMED', 'RUNNING', { mode: 'FULL' }],
    ...extraSteps,
    ['FAILED', 'FAILED', { error_code: code, stage }],
  ]);
  const run = runRecord(name, {
    state: 'FAILED',
    version: events.length,
    full_run_attempts: 1,
    last_error: { code: code as never, message: `${code} happened`, retryable: false, stage },
    updated_at_ms: events[events.length - 1]!.at_ms,
  });
  return { run, events };
}
