// @ofs/archive-s3: a ReplaySource over the reference archive layout on any ObjectStore.
export {
  type ArchivePosition,
  type ArchiveRecordContext,
  decodeArchiveRecord,
  encodeArchiveRecord,
} from './archive-record.js';
export { type ArchiveSourceOptions, createArchiveSource } from './archive-source.js';
export { archivePartitionPrefix, archiveRecordKey, archiveToken, offsetOfName } from './layout.js';
export { type WriteArchiveOptions, type WriteArchiveResult, writeArchiveRecords } from './write-archive.js';
