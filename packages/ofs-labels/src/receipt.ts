import {
  type BuildPlan,
  type CoveragePolicy,
  coverageGateReasons,
  typeRatios,
  canonicalInstant,
  type Instant,
  LABEL_RECEIPT_SCHEMA_VERSION,
  type LabelReceipt,
  type RESOLVED_DIGEST_RECIPE_V2,
  type LabelTypeCounts,
  type OfsPolicy,
} from '@ofs/contracts';
import type { TypeTally } from './tally.js';

export { typeRatios };

/** Where a plan's label receipt is written: `{platform_run_id}/ofs/labels/{plan_id}.json`. */
export function labelReceiptKey(plan: Pick<BuildPlan, 'platform_run_id' | 'plan_id'>): string {
  return `${plan.platform_run_id}/ofs/labels/${plan.plan_id}.json`;
}

/** Inputs of `buildLabelReceipt`, all gathered by the resolver. */
export interface LabelReceiptInputs {
  plan: BuildPlan;
  policy: Pick<OfsPolicy, 'revision' | 'min_label_coverage' | 'max_conflict_ratio'>;
  /** The coverage policy that gates the plan (`coveragePolicyOf(plan, policy)`); its types in order. */
  coverage: CoveragePolicy;
  cutoff: Instant;
  maturityCutoff: Instant | undefined;
  storeStateMarker: string;
  subjects: number;
  mature: number;
  tallies: readonly TypeTally[];
  resolvedDigest: string;
  /** Set when the digest is per partition (`ofs.labels.resolved_digest.v2`). */
  resolvedDigestRecipe?: typeof RESOLVED_DIGEST_RECIPE_V2;
}

/**
 * The label receipt: a pure function of its inputs (no build timestamps). `coverage` is the
 * smallest per-type coverage, `conflict_ratio` the largest per-type conflict ratio; the status is
 * READY_FOR_TRAINING iff every type meets its minimum coverage and the maximum conflict ratio of
 * the coverage policy (`coverageGateReasons`). A plan that pins a coverage policy records its
 * per-type minimums in `policy.min_coverage_by_label_type`.
 */
export function buildLabelReceipt(inputs: LabelReceiptInputs): LabelReceipt {
  const { plan, policy, mature } = inputs;
  const gate = inputs.coverage;
  const labelTypes = gate.label_types;
  const byType: Record<string, LabelTypeCounts> = {};
  const coverageByType: Record<string, number> = {};
  const conflictByType: Record<string, number> = {};
  let coverage = 1;
  let conflictRatio = 0;
  let conflicts = 0;
  labelTypes.forEach((type, i) => {
    const counts = inputs.tallies[i]!.toCounts();
    const ratios = typeRatios(counts, mature);
    byType[type] = counts;
    coverageByType[type] = ratios.coverage;
    conflictByType[type] = ratios.conflict;
    coverage = Math.min(coverage, ratios.coverage);
    conflictRatio = Math.max(conflictRatio, ratios.conflict);
    conflicts += counts.conflict;
  });
  const reasons = coverageGateReasons(gate, coverageByType, conflictByType);
  return {
    schema_version: LABEL_RECEIPT_SCHEMA_VERSION,
    plan_id: plan.plan_id,
    platform_run_id: plan.platform_run_id,
    label_asof_utc: canonicalInstant(inputs.cutoff),
    resolution_rule: plan.label_basis.resolution_rule,
    posture: plan.label_basis.posture,
    training_posture: plan.training_posture,
    maturity_days: plan.label_basis.maturity_days ?? null,
    maturity_cutoff_utc: inputs.maturityCutoff === undefined ? null : canonicalInstant(inputs.maturityCutoff),
    store_state_marker: inputs.storeStateMarker,
    label_types: [...labelTypes],
    policy: {
      revision: policy.revision,
      min_label_coverage: policy.min_label_coverage,
      max_conflict_ratio: plan.coverage_policy === undefined ? policy.max_conflict_ratio : gate.max_conflict_ratio,
      ...(plan.coverage_policy === undefined ? {} : { min_coverage_by_label_type: { ...gate.min_coverage_by_label_type } }),
    },
    status: reasons.length === 0 ? 'READY_FOR_TRAINING' : 'NOT_READY_FOR_TRAINING',
    reasons,
    coverage,
    conflict_ratio: conflictRatio,
    coverage_by_type: coverageByType,
    conflict_ratio_by_type: conflictByType,
    counts: { subjects: inputs.subjects, mature, immature: inputs.subjects - mature, by_type: byType, conflicts },
    resolved_digest: inputs.resolvedDigest,
    ...(inputs.resolvedDigestRecipe === undefined ? {} : { resolved_digest_recipe: inputs.resolvedDigestRecipe }),
  };
}
