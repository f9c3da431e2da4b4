import { join, relative, resolve, sep } from 'node:path';
import { type OffsetRange, OfsError } from '@ofs/contracts';

/**
 * Schema of a partition's segment index (`index.json`) as `writeSegmentFiles` writes it. v2 names
 * the record-hash recipe (`hash_recipe`) and its lines keep every envelope field that hash covers
 * (`event_id`, `ts_utc`, `payload` and the optional `envelope` object), so `verifyHashes` can
 * recompute it.
 */
export const SEGMENT_INDEX_SCHEMA_VERSION = 'ofs.segment_index.v2';
/**
 * The first segment index schema: still readable, but its lines were written when the hash
 * covered the payload only, so `verifyHashes: true` refuses it (`REPLAY_HASH_UNVERIFIABLE`).
 */
export const SEGMENT_INDEX_SCHEMA_VERSION_V1 = 'ofs.segment_index.v1';

/** One segment file of a partition. */
export interface SegmentEntry {
  /** File name inside the partition directory. */
  readonly file: string;
  /** Lowest and highest offset in the file (canonical decimals). */
  readonly first_offset: string;
  readonly last_offset: string;
  /** Number of lines (records). */
  readonly records: number;
  /**
   * Earliest and latest record `ts_utc` in the file, as canonical UTC instants
   * (`canonicalInstant`: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`). Compare them as instants
   * (`parseInstant` / `compareInstants` from `@ofs/contracts`), never as strings: fractions of
   * different lengths do not sort. Present (with `ts_ordered`) only when every record's `ts_utc`
   * is an RFC 3339 instant; absent in v1 indexes and for segments with other timestamps.
   */
  readonly min_ts_utc?: string;
  readonly max_ts_utc?: string;
  /**
   * `true` when the records' `ts_utc` never decreases from one line to the next (offset order),
   * so a time window maps to one contiguous run of lines in this segment; `false` when some record
   * is earlier than the one before it (then only `min_ts_utc`/`max_ts_utc` bound the segment).
   */
  readonly ts_ordered?: boolean;
}

/** `index.json` of one topic/partition/offset kind: what the partition covers and where each offset lives. */
export interface SegmentIndex {
  readonly schema_version: typeof SEGMENT_INDEX_SCHEMA_VERSION | typeof SEGMENT_INDEX_SCHEMA_VERSION_V1;
  /**
   * What each line's `payload_hash` covers (v2: `ofs.envelope_hash.v1`). Absent in v1 indexes,
   * whose lines cannot prove their hash.
   */
  readonly hash_recipe?: string;
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
 *
 * Confined: `topic` and `offsetKind` must be non-empty strings that encode (no lone surrogate),
 * `partition` a non-negative safe integer (a number: not `"0"`, `1.5`, `-1` or `"../x"`), and the
 * joined path must be exactly these three segments below `root`. Anything else throws an
 * `OfsError` with `code` (`REPLAY_RECORD_INVALID` by default: the writer's records; the source
 * passes `BASIS_UNRESOLVED` for a slice).
 */
export function partitionDir(
  root: string,
  topic: string,
  partition: number,
  offsetKind: string,
  code: 'REPLAY_RECORD_INVALID' | 'BASIS_UNRESOLVED' = 'REPLAY_RECORD_INVALID',
): string {
  const refuse = (why: string): never => {
    throw new OfsError(code, {
      message: `segment path refused: ${why}`,
      details: { topic: String(topic), partition: String(partition), offset_kind: String(offsetKind) },
    });
  };
  if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) {
    refuse(`partition ${JSON.stringify(partition) ?? String(partition)} is not a whole number ≥ 0`);
  }
  const segments = [
    `topic=${encodeName(topic, 'topic', refuse)}`,
    `partition=${partition}`,
    `offset_kind=${encodeName(offsetKind, 'offset_kind', refuse)}`,
  ];
  const base = resolve(root);
  const dir = join(base, ...segments);
  // Every segment checked again on the joined path: exactly three, each what was asked for.
  const parts = relative(base, dir).split(sep);
  if (parts.length !== 3 || parts.some((part, i) => part !== segments[i] || part === '.' || part === '..')) {
    refuse('the directory would leave the segment root');
  }
  return dir;
}

function encodeName(name: unknown, what: string, refuse: (why: string) => never): string {
  if (typeof name !== 'string' || name === '') return refuse(`${what} must be a non-empty string`);
  try {
    return encodeURIComponent(name);
  } catch {
    return refuse(`${what} is not well-formed Unicode`);
  }
}

/** File name of the `n`-th segment of a partition. */
export function segmentFileName(n: number): string {
  return `segment-${String(n).padStart(6, '0')}.jsonl`;
}

/** Name of the index file in a partition directory. */
export const INDEX_FILE = 'index.json';
