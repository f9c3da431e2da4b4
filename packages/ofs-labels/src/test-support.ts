// Test helpers shared by this package's tests (not exported from the package).
import type {
  AppendableLabelStore,
  BuildPlan,
  LabelAssertion,
  LabelPosture,
  ObjectStore,
  OfsPolicy,
  TrainingPosture,
} from '@ofs/contracts';

/** The platform run of every test plan. */
export const RUN = 'platform_20260210T120000Z';

/** A build plan with the given label basis and posture. */
export function testPlan(
  labelBasis: Partial<Omit<BuildPlan['label_basis'], 'posture'>> & { posture?: LabelPosture } = {},
  training: TrainingPosture = 'TRAINING',
  planId = 'plan_0123456789abcdef0123456789abcdef',
): BuildPlan {
  const hex = 'a'.repeat(64);
  // Built untyped and cast: BuildPlan's literal unions currently type as `never` (TypeBox
  // `Type.Union(CONST.map(Type.Literal))` loses the tuple), so a typed literal cannot be written.
  const plan = {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: planId,
    intent_kind: 'dataset_build',
    training_posture: training,
    non_training_allowed: training !== 'TRAINING',
    dataset_fingerprint: hex,
    dataset_manifest_id: 'dm_0123456789abcdef0123456789abcdef',
    platform_run_id: RUN,
    scenario_run_ids: [],
    replay_basis: [{ topic: 't', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '9' }],
    basis_hash: hex,
    label_basis: {
      label_asof_utc: '2026-02-10T12:00:00Z',
      label_asof_instant: '2026-02-10T12:00:00Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      posture: 'KNEW_THEN',
      ...labelBasis,
    },
    feature_profile: { feature_set_id: 'fs', feature_set_version: 'v1', ref: 'profiles/fs.json', digest: hex },
    run_facts: { ref: 'facts.json', digest: hex, outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'e' }] },
    join_scope: {},
    filters: {},
    policy: { revision: 'r1', digest: hex },
    config_revision: 'c1',
    ofs_code_release_id: 'rel1',
  };
  return plan as unknown as BuildPlan;
}

/** A policy with the given label types and thresholds. */
export function testPolicy(overrides: Partial<OfsPolicy> = {}): OfsPolicy {
  return {
    schema_version: 'learning.ofs_policy.v1',
    revision: 'r1',
    label_types: ['fraud_disposition'],
    min_label_coverage: 0,
    max_conflict_ratio: 1,
    max_publish_retries: 3,
    max_full_run_attempts: 3,
    part_rows: 100_000,
    anomaly_list_limit: 1_000,
    label_batch_size: 5_000,
    ...overrides,
  };
}

/** A label assertion on `RUN`. */
export function assertion(
  event_id: string,
  assertion_id: string,
  value: LabelAssertion['value'],
  effective_time: string,
  observed_time: string,
  label_type = 'fraud_disposition',
): LabelAssertion {
  return { platform_run_id: RUN, event_id, label_type, value, effective_time, observed_time, assertion_id };
}

/** A minimal write-once object store in memory, with a view of what was written. */
export function memoryArtifacts(): ObjectStore & { readonly objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    async get(key) {
      return objects.get(key);
    },
    async putIfAbsent(key, bytes) {
      const existing = objects.get(key);
      if (existing !== undefined) return { created: false, existing };
      objects.set(key, bytes);
      return { created: true };
    },
    async *list(prefix) {
      yield* [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
}

/**
 * `store` seen only through the `LabelStore` port: `timelines` is an async generator, so the
 * resolver takes its general path (store calls, per-assertion parsing) even for a memory store.
 */
export function portOnly(store: AppendableLabelStore): AppendableLabelStore {
  return {
    async *timelines(subjects, labelTypes, options) {
      yield* store.timelines(subjects, labelTypes, options);
    },
    stateMarker: (options) => store.stateMarker(options),
    append: (assertions, options) => store.append(assertions, options),
  };
}
