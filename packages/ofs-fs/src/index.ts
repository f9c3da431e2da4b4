// Local-filesystem adapters. One adapter per file; each helper adds its export line here.
export { createFsObjectStore, type FsObjectStoreOptions } from './fs-object-store.js';
export { createFileFeatureProfiles, type FileFeatureProfilesOptions } from './file-feature-profiles.js';
export {
  createSegmentFileSource,
  DEFAULT_MAX_RECORD_BYTES,
  readSegmentIndex,
  type SegmentFileSourceOptions,
} from './segment-file-source.js';
export type { SegmentTimeRange } from './segment-time.js';
export { writeSegmentFiles, type WriteSegmentFilesOptions, type WrittenPartition } from './segment-file-writer.js';
export {
  partitionDir,
  SEGMENT_INDEX_SCHEMA_VERSION,
  SEGMENT_INDEX_SCHEMA_VERSION_V1,
  type SegmentIndex,
  type SegmentEntry,
} from './segment-layout.js';
