export {
  compileProfile,
  valueAt,
  RESERVED_COLUMNS,
  statsMarkers,
  type CompiledEntity,
  type CompiledField,
  type CompiledProfile,
  type CompiledWindow,
  type PayloadPath,
} from './compile-profile.js';
export { BatchFeatures, entityKey, type AdvancedEvent, type FeatureEventInput } from './batch.js';
export { createOnlineFeatures, type EntityRef, type FeatureValues, type OnlineEvent, type OnlineFeatures } from './online.js';
export {
  FEATURE_SNAPSHOT_RECIPE,
  featureSnapshotHash,
  type FeatureSnapshot,
  type FeatureValue,
  type SnapshotResult,
} from './snapshot.js';
export { PartitionWindows, distinctKey, emptyValue, type EventTime, type WindowEvent } from './windows.js';
export { EventTimeParser } from './event-time.js';
export {
  compareDecimals,
  divideHalfEven,
  formatDecimal,
  formatMean,
  MEAN_SCALE,
  parseDecimal,
  pow10,
  rescale,
  type ScaledDecimal,
} from './decimal.js';
export {
  DEMO_TOPIC,
  demoFeatureProfile,
  demoFeatureProfileV2,
  resolvedDemoFeatureProfile,
  resolvedDemoFeatureProfileV2,
} from './demo-profile.js';
export { compareAnchors, type AnchorClaim, type ParityComparison, type RebuiltSide } from './parity.js';
export {
  createReferenceFeatureProfiles,
  REFERENCE_DEFAULT_WINDOWS,
  referenceProfileDigest,
  translateReferenceProfile,
  type ReferenceResolvedProfile,
  type ReferenceWindow,
  type TranslatedReferenceProfile,
  type TranslateReferenceProfileOptions,
} from './reference-profile.js';
