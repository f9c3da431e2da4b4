export { reconstruct, type DraftResult, type ReconstructDeps, type ReconstructOptions, type ReconstructProgress } from './reconstruct.js';
export {
  defaultShardWorkerUrl,
  reconstructSharded,
  type ShardedReconstructOptions,
  type ShardedRecords,
} from './reconstruct-sharded.js';
export type { ShardPartitionReader } from './shard-protocol.js';
export {
  buildShard,
  mergeShards,
  planShards,
  shardSlices,
  type ShardBuildDeps,
  type ShardMergeDeps,
  type ShardSpec,
} from './shard-tasks.js';
export type { RowsPass } from './reconstruct.js';
export {
  publish,
  assertPublishable,
  statusClassOf,
  type GateResult,
  type PublishDeps,
  type PublishInputs,
  type PublishResult,
} from './publish.js';
export { readDataset, readManifest, type ReadDatasetDeps } from './read-dataset.js';
export {
  verifyDataset,
  verifyManifestChain,
  verifyParts,
  integrityViolation,
  publishingRuns,
  recordedArtifactDigests,
  recordedManifestSha256,
  type ChainVerification,
  type DatasetVerification,
  type IntegrityDifference,
  type LedgerEvidence,
  type VerifyDatasetDeps,
  type VerifyLedger,
} from './verify-dataset.js';
export { toManifestV0 } from './manifest-v0.js';
export {
  findPublishedByPlan,
  loadPublishInputs,
  type ExpectedDigests,
  type PublishedDataset,
  type StoredPublishInputs,
} from './stored-inputs.js';
export {
  DEMO_TOPIC,
  demoFeatureProfile,
  demoFeatureProfileV2,
  resolvedDemoFeatureProfile,
  resolvedDemoFeatureProfileV2,
} from '@ofs/features';
export { compileProfile, RESERVED_COLUMNS, type CompiledProfile } from '@ofs/features';
export { rowLayout, type RowLayout } from './row-encoder.js';
export { EventIdSet, type SeenOutcome } from './event-id-set.js';
export { formatDecimal, formatMean, parseDecimal, type ScaledDecimal } from '@ofs/features';
export { planKey, labelReceiptKey } from './keys.js';
export {
  CATEGORICAL_MAX_VALUES,
  columnStatsKind,
  DatasetStatsAccumulator,
  dayCoverage,
  emptyDatasetStats,
  LABEL_DELAY_BINS,
  LabelDelayTally,
  labelDelayBin,
  mergeDatasetStats,
  mergeLabelDelays,
  NUMERIC_BINS,
  numericBin,
  type ColumnStats,
  type ColumnStatsKind,
  type DatasetStats,
  type DatasetStatsOptions,
  type DayLabelCounts,
  type DayStats,
  type LabelDelayCounts,
  type LabelDelays,
} from './dataset-stats.js';
export { statsOfParts, writeDatasetStats, type StatsOfPartsOptions, type StatsRef } from './stats-accumulator.js';
export { PARQUET_WRITER, createParquetPartEncoder, decodeParquetPart, parquetElement, type PartEncoder } from './parquet-part.js';
export { partFormatOf, partLines, type PartLines } from './part-rows.js';
export { coercerFor, columnTypeFields, describeType, fitDecimal, fitInstant, type ColumnCoercer } from './column-types.js';
