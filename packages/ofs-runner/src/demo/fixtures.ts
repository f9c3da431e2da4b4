import type { FeatureProfile, OfsPolicy, ReplaySlice, RunFactsView } from '@ofs/contracts';
import { demoFeatureProfileV2 } from '@ofs/publish';
import { CORRIDOR_CONFIG_SCHEMA_VERSION, type CorridorConfigFile } from '../default-corridor.js';
import { DEMO_LABEL_TYPE, DEMO_PLATFORM_RUN_ID, DEMO_SCENARIO_RUN_ID } from './generate.js';

/** Config revision of the demo corridor. */
export const DEMO_CONFIG_REVISION = 'demo-config-r1';
/** World manifest fingerprint the demo's run facts and PASS gate name. */
export const DEMO_WORLD_FINGERPRINT = 'a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8';
/** Store key of the demo's run-facts view. */
export const DEMO_RUN_FACTS_REF = `${DEMO_PLATFORM_RUN_ID}/sr/run_facts_view.json`;

/** The demo corridor's `ofs.config.json`. */
export function demoCorridorConfig(): CorridorConfigFile {
  return {
    schema_version: CORRIDOR_CONFIG_SCHEMA_VERSION,
    config_revision: DEMO_CONFIG_REVISION,
    policy: 'policy.json',
    verify_hashes: true,
  };
}

/**
 * The demo policy: one label type, training gates, parts of 5,000 rows so the demo shows several,
 * written as zstd Parquet (the default for new plans; a policy without `part_format` means JSONL).
 */
export function demoPolicy(): OfsPolicy {
  return {
    schema_version: 'learning.ofs_policy.v1',
    revision: 'demo-policy-r1',
    label_types: [DEMO_LABEL_TYPE],
    min_label_coverage: 0.5,
    max_conflict_ratio: 0.05,
    max_publish_retries: 3,
    max_full_run_attempts: 3,
    part_rows: 5_000,
    anomaly_list_limit: 1_000,
    label_batch_size: 5_000,
    part_format: 'parquet',
    part_compression: 'zstd',
    row_group_rows: 5_000,
  };
}

/** The demo feature profile (`@ofs/publish`'s `fraud-demo@v2`: typed columns). */
export function demoProfile(): FeatureProfile {
  return demoFeatureProfileV2;
}

/** The scenario runner's run-facts view for the demo: one world output with a PASS gate. */
export function demoRunFacts(): RunFactsView {
  return {
    platform_run_id: DEMO_PLATFORM_RUN_ID,
    scenario_run_id: DEMO_SCENARIO_RUN_ID,
    pins: {
      platform_run_id: DEMO_PLATFORM_RUN_ID,
      scenario_run_id: DEMO_SCENARIO_RUN_ID,
      manifest_fingerprint: DEMO_WORLD_FINGERPRINT,
      parameter_hash: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
      seed: 42,
      scenario_id: 'baseline_v1',
    },
    locators: [
      {
        output_id: 'arrival_events_5B',
        path: `data/layer2/5B/arrival_events/seed=42/manifest_fingerprint=${DEMO_WORLD_FINGERPRINT}/part-0.parquet`,
        manifest_fingerprint: DEMO_WORLD_FINGERPRINT,
      },
    ],
    gate_receipts: [{ gate_id: 'gate.layer2.5B.validation', status: 'PASS', scope: { manifest_fingerprint: DEMO_WORLD_FINGERPRINT } }],
  };
}

/** The demo's training build intent. */
export function demoIntent(input: {
  requestId: string;
  basis: readonly ReplaySlice[];
  labelAsofUtc: string;
  codeReleaseId: string;
  nonTraining?: boolean;
}): Record<string, unknown> {
  return {
    schema_version: 'learning.ofs_build_intent.v0',
    request_id: input.requestId,
    intent_kind: 'dataset_build',
    platform_run_id: DEMO_PLATFORM_RUN_ID,
    scenario_run_ids: [DEMO_SCENARIO_RUN_ID],
    replay_basis: input.basis,
    label_basis: { label_asof_utc: input.labelAsofUtc, resolution_rule: 'observed_time<=label_asof_utc' },
    feature_definition_set: {
      feature_set_id: demoFeatureProfileV2.feature_set_id,
      feature_set_version: demoFeatureProfileV2.feature_set_version,
    },
    join_scope: { subject_key: 'platform_run_id,event_id' },
    filters: {},
    run_facts_ref: DEMO_RUN_FACTS_REF,
    policy_revision: demoPolicy().revision,
    config_revision: DEMO_CONFIG_REVISION,
    ofs_code_release_id: input.codeReleaseId,
    non_training_allowed: input.nonTraining ?? false,
  };
}
