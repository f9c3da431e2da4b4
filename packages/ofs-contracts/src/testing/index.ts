// Contract test suites for adapter authors: every adapter of a port runs the same suite.
// Import from `@ofs/contracts/testing` inside a vitest test file.
export { describeLedgerStoreContract, sampleRunRecord } from './ledger-store-contract.js';
export {
  describeLabelStoreAppendContract,
  describeLabelStoreContract,
  describeLabelStoreReadContract,
  type SeededLabelStoreFactory,
  sampleLabelAssertion,
} from './label-store-contract.js';
export { describeObjectStoreContract, INVALID_OBJECT_KEYS } from './object-store-contract.js';
export {
  describeReplaySourceContract,
  type ReplaySourceUnderTest,
  sampleReplayRecord,
  type SeededReplaySource,
} from './replay-source-contract.js';
export { FOREIGN_RUN_REFS, HOSTILE_REF_RUN, HOSTILE_REFS, HOSTILE_RUN_IDS } from './hostile-refs.js';
export { describeFeatureProfilesContract, sampleFeatureProfile } from './feature-profiles-contract.js';
export {
  describeReferenceLabelContract,
  REFERENCE_SAMPLE_ASSERTION_ID,
  REFERENCE_SAMPLE_PAYLOAD_HASH,
  sampleReferenceLabelAssertion,
} from './reference-label-contract.js';
export { describeShardTaskStoreContract, sampleShardPins, sampleShardTasks } from './shard-task-store-contract.js';
