export { compareRank, isEligibleAsOf, minusDays, parseLabelInstant } from './as-of.js';
export { createMemoryLabelStore } from './memory-label-store.js';
export { readOnlyLabelStore } from './read-only-label-store.js';
export { buildLabelReceipt, type LabelReceiptInputs, labelReceiptKey, typeRatios } from './receipt.js';
export {
  createLabelResolver,
  type LabelResolutionPartial,
  type LabelResolver,
  type LabelResolverDeps,
  type LabelResolverOptions,
} from './resolver.js';
export { labelStoreStateMarker, mergeLabelPartials } from './merge-partials.js';
export { TypeTally } from './tally.js';
export {
  fromReferenceLabelAssertion,
  isReferenceLabelAssertion,
  REFERENCE_EVIDENCE_REF_TYPES,
  REFERENCE_SOURCE_TYPES,
  referenceAssertionProblems,
  toLabelAssertions,
} from './reference-assertion.js';
export { importLabelAssertions, type LabelImportOptions, type LabelImportResult } from './import-labels.js';
