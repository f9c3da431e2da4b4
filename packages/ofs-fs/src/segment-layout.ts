import { join } from 'node:path';
import type { OffsetRange } from '@ofs/contracts';

/** Schema of a partition's segment index (`index.json`). */
export const SEGMENT_INDEX_SCHEMA_VERSION = 'ofs.segment_index.v1';

/** One segment file of a partition. */
export interface SegmentEntry {
  /** File name inside the partition directory. */
  readonly file: string;
  /** Lowest and highest offset in the file (canonical decimals). */
  readonly first_offset: string;
  readonly last_offset: string;
  /** Number of lines (records). */
  readonly records: number;
}

/** `index.json` of one topic/partition/offset kind: what the partition covers and where each offset lives. */
export interface SegmentIndex {
  readonly schema_version: typeof SEGMENT_INDEX_SCHEMA_VERSION;
  readonly topic: string;
  readonly partition: number;
  readonly offset_kind: string;
  /** The offsets this partition's files prove they hold (what `coverage` answers), ascending. */
  readonly coverage: OffsetRange[];
  /** Segments in ascending offset order; their offset spans do not overlap. */
  readonly segments: SegmentEntry[];
}

/**
 * The directory of one topic/partition/offset kind below `root`:
 * `topic=<enc(topic)>/partition=<n>/offset_kind=<enc(kind)>`, where `enc` is
 * `encodeURIComponent` (so no name can contain `/` or climb out with `..`).
 */
export function partitionDir(root: string, topic: string, partition: number, offsetKind: string): string {
  return join(root, `topic=${encodeURIComponent(topic)}`, `partition=${partition}`, `offset_kind=${encodeURIComponent(offsetKind)}`);
}

/** File name of the `n`-th segment of a partition. */
export function segmentFileName(n: number): string {
  return `segment-${String(n).padStart(6, '0')}.jsonl`;
}

/** Name of the index file in a partition directory. */
export const INDEX_FILE = 'index.json';
