export { type PlanDeps, type PlanPins, planKeyOf, type ResolvedPlan, type ResolvePlanOptions, resolvePlan } from './resolve-plan.js';
export { resolveRef } from './resolve-ref.js';
export type { RefAudit, RefAuditSink, RefPurpose } from './ref-audit.js';
export { type AdmittedOutput, admitOutputs, decidePassEvidence } from './pass-gate.js';
export { type LoadedRunFacts, loadRunFacts } from './run-facts.js';
export { profilePinKey, resolvePinnedProfile } from './feature-profile.js';
export { isAnchorBundle, typeAnchorBundle, typeParityAnchor } from './parity-anchor.js';
export { createMemoryFeatureProfiles } from './memory-feature-profiles.js';
export {
  assembleRunFacts,
  RUN_FACTS_ASSEMBLY_RECIPE,
  type AssembledRunFacts,
  type AssembleRunFactsOptions,
  type PlatformRunEvidence,
  type WithheldOutput,
} from './assemble-run-facts.js';
