import type { TSchema } from 'typebox';
import { FeatureProfileSchema } from './records/feature-profile.js';
import { BuildIntentV0Schema, ReplaySliceSchema } from './records/intent.js';
import { LabelReceiptSchema } from './records/label-receipt.js';
import { LabelAssertionSchema } from './records/labels.js';
import { DatasetManifestV0Schema } from './records/manifest-v0.js';
import { BuildPlanSchema } from './records/plan.js';
import { ParityAnchorSchema } from './records/parity-anchor.js';
import { ParityAnchorBundleSchema, ParityReportSchema } from './records/parity-report.js';
import { ProfilePinSchema } from './records/profile-pin.js';
import { RunFactsViewSchema } from './records/run-facts.js';
import { OfsPolicySchema } from './records/policy.js';
import { DatasetManifestV1Schema, DatasetManifestV2Schema } from './records/dataset-manifest-v1.js';
import { DraftReceiptSchema } from './records/draft-receipt.js';
import { DatasetStatsSchema } from './records/dataset-stats.js';
import { PlanIndexEntrySchema, SupersessionLinkSchema } from './records/supersession-link.js';
import { ReplayRecordSchema } from './records/replay.js';
import { GovernanceFactSchema } from './records/governance-fact.js';
import { OfsMetricsSchema, ReconciliationSchema } from './records/reconciliation.js';
import { ReplayReceiptSchema } from './records/replay-receipt.js';

/**
 * Every wire record's schema by its `$id` (the record's schema version). Written as JSON Schema
 * files by `pnpm --filter @ofs/contracts schemas`; services in other languages validate with them.
 */
export const RECORD_SCHEMAS: Readonly<Record<string, TSchema>> = {
  'learning.ofs_build_intent.v0': BuildIntentV0Schema,
  'learning.dataset_manifest.v0': DatasetManifestV0Schema,
  'learning.ofs_replay_slice.v0': ReplaySliceSchema,
  'learning.ofs_policy.v1': OfsPolicySchema,
  'learning.ofs_feature_profile.v1': FeatureProfileSchema,
  'learning.ofs_build_plan.v1': BuildPlanSchema,
  'learning.ofs_run_facts_view.v0': RunFactsViewSchema,
  'learning.ofs_profile_pin.v1': ProfilePinSchema,
  'learning.ofs_parity_anchor.v1': ParityAnchorSchema,
  'learning.ofs_parity_anchor_bundle.v1': ParityAnchorBundleSchema,
  'learning.ofs_parity_report.v1': ParityReportSchema,
  'learning.ofs_replay_record.v1': ReplayRecordSchema,
  'learning.ofs_replay_receipt.v1': ReplayReceiptSchema,
  'learning.ofs_label_assertion.v1': LabelAssertionSchema,
  'learning.dataset_manifest.v1': DatasetManifestV1Schema,
  'learning.dataset_manifest.v2': DatasetManifestV2Schema,
  'learning.ofs_draft_receipt.v1': DraftReceiptSchema,
  'learning.ofs_dataset_stats.v1': DatasetStatsSchema,
  'learning.ofs_supersession_link.v1': SupersessionLinkSchema,
  'learning.ofs_plan_index.v1': PlanIndexEntrySchema,
  'learning.ofs_label_receipt.v1': LabelReceiptSchema,
  'learning.ofs_governance_fact.v1': GovernanceFactSchema,
  'learning.ofs_reconciliation.v1': ReconciliationSchema,
  'learning.ofs_metrics.v1': OfsMetricsSchema,
};

/** The JSON Schema document (draft 2020-12) of one record schema, as written to `schemas/`. */
export function toJsonSchemaDocument(id: string, schema: TSchema): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(schema)), $id: id };
}
