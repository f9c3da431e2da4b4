import { randomBytes } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compareDecimal, isCanonicalDecimal, type OffsetRange, OfsError, type ReplayRecord, toOfsError } from '@ofs/contracts';
import { ENVELOPE_HASH_RECIPE } from '@ofs/ids';
import {
  INDEX_FILE,
  partitionDir,
  SEGMENT_INDEX_SCHEMA_VERSION,
  type SegmentEntry,
  type SegmentIndex,
  segmentFileName,
} from './segment-layout.js';
import { SegmentTimeTracker } from './segment-time.js';

/** Options of `writeSegmentFiles`. */
export interface WriteSegmentFilesOptions {
  /** Directory that receives the segment tree (see the package README for the layout). */
  root: string;
  /** The records, in ascending offset order within each topic/partition/offset kind (partitions may interleave). */
  records: Iterable<ReplayRecord> | AsyncIterable<ReplayRecord>;
  /** Records per segment file (default 50,000). */
  segmentRecords?: number;
  /**
   * The coverage each partition declares. Default: from its first to its last record offset.
   * Declare more (e.g. a retention window with compacted holes) or less as the real source would.
   */
  coverage?: (topic: string, partition: number, offsetKind: string, written: OffsetRange) => OffsetRange[];
}

/** What `writeSegmentFiles` wrote for one partition. */
export interface WrittenPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset_kind: string;
  readonly records: number;
  readonly segments: number;
  readonly coverage: OffsetRange[];
}

interface PartitionWriter {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly offsetKind: string;
  lines: string[];
  first: string | undefined;
  last: string | undefined;
  firstOfPartition: string | undefined;
  records: number;
  /** Time range of the segment being filled. */
  time: SegmentTimeTracker;
  readonly segments: SegmentEntry[];
}

/**
 * One line of a segment file: the record without the fields its directory already names — every
 * envelope field the record hash covers (`event_id`, `ts_utc`, the optional `envelope`, `payload`)
 * plus `offset` and `payload_hash` (internal; exported for tests). A value too deep for
 * `JSON.stringify` is `VALUE_DEPTH_EXCEEDED`.
 */
export function toLine(r: ReplayRecord): string {
  const row =
    r.envelope === undefined
      ? { offset: r.offset, event_id: r.event_id, ts_utc: r.ts_utc, payload_hash: r.payload_hash, payload: r.payload }
      : {
          offset: r.offset,
          event_id: r.event_id,
          ts_utc: r.ts_utc,
          payload_hash: r.payload_hash,
          envelope: r.envelope,
          payload: r.payload,
        };
  try {
    return JSON.stringify(row);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new OfsError('VALUE_DEPTH_EXCEEDED', { message: `record at offset ${r.offset} is nested too deeply to encode`, cause: error });
    }
    throw new OfsError('REPLAY_RECORD_INVALID', { message: `record at offset ${r.offset} cannot be encoded as JSON`, cause: error });
  }
}

async function writeOnce(path: string, data: string): Promise<void> {
  const temp = `${path}.~tmp-${randomBytes(6).toString('hex')}`;
  await writeFile(temp, data, { flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') {
      throw new OfsError('ARTIFACT_IMMUTABILITY_VIOLATION', { message: `${path} already exists; segment files are write-once` });
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Writes replay records as JSONL segment files with one `index.json` per topic/partition/offset
 * kind — the layout `createSegmentFileSource` reads (EB or Archive). The index is
 * `ofs.segment_index.v2` and names the record-hash recipe (`ofs.envelope_hash.v1`); each line
 * keeps every field that hash covers. Hashes are stored as given, not checked (a source checks
 * them with `verifyHashes`). Each segment entry records its time range (`min_ts_utc`,
 * `max_ts_utc`, `ts_ordered`) when every record's `ts_utc` is an RFC 3339 instant. Streams: at most one
 * segment's lines per partition are held in memory. Each partition's index is written last and
 * write-once (an existing partition is refused with `ARTIFACT_IMMUTABILITY_VIOLATION`), so a
 * reader sees either the whole partition or none of it. Records out of order within a partition
 * are `REPLAY_RECORD_INVALID`, and so is a record whose partition is not a non-negative safe
 * integer or whose topic/offset kind is not a non-empty string (nothing is written outside
 * `root`); I/O failures are `STORE_UNAVAILABLE`.
 */
export async function writeSegmentFiles(options: WriteSegmentFilesOptions): Promise<WrittenPartition[]> {
  const root = resolve(options.root);
  const perSegment = options.segmentRecords ?? 50_000;
  if (!Number.isSafeInteger(perSegment) || perSegment < 1) {
    throw new OfsError('SCHEMA_INVALID', { message: `segmentRecords must be a whole number ≥ 1, got ${perSegment}` });
  }
  const writers = new Map<string, PartitionWriter>();

  const flush = async (w: PartitionWriter): Promise<void> => {
    if (w.lines.length === 0) return;
    const file = segmentFileName(w.segments.length);
    await writeOnce(join(w.dir, file), `${w.lines.join('\n')}\n`);
    w.segments.push({ file, first_offset: w.first!, last_offset: w.last!, records: w.lines.length, ...w.time.result() });
    w.lines = [];
    w.first = undefined;
    w.time = new SegmentTimeTracker();
  };

  try {
    for await (const r of options.records) {
      if (typeof r.offset !== 'string' || !isCanonicalDecimal(r.offset)) {
        throw new OfsError('REPLAY_RECORD_INVALID', { message: `record offset ${JSON.stringify(r.offset)} is not canonical` });
      }
      if (r.envelope !== undefined && (typeof r.envelope !== 'object' || r.envelope === null || Array.isArray(r.envelope))) {
        throw new OfsError('REPLAY_RECORD_INVALID', { message: `record at offset ${r.offset}: envelope must be an object` });
      }
      // JSON keeps `0` and `"0"` apart, so every partition value meets `partitionDir`'s checks.
      const key = JSON.stringify([r.topic, r.partition, r.offset_kind]);
      let w = writers.get(key);
      if (!w) {
        const dir = partitionDir(root, r.topic, r.partition, r.offset_kind);
        await mkdir(dir, { recursive: true });
        w = {
          dir,
          topic: r.topic,
          partition: r.partition,
          offsetKind: r.offset_kind,
          lines: [],
          first: undefined,
          last: undefined,
          firstOfPartition: undefined,
          records: 0,
          time: new SegmentTimeTracker(),
          segments: [],
        };
        writers.set(key, w);
      } else if (w.last !== undefined && compareDecimal(r.offset, w.last) <= 0) {
        throw new OfsError('REPLAY_RECORD_INVALID', {
          message: `${r.topic}/${r.partition}: offset ${r.offset} does not come after ${w.last}; segment files hold one record per offset in ascending order`,
        });
      }
      w.lines.push(toLine(r));
      w.time.add(r.ts_utc);
      w.first ??= r.offset;
      w.firstOfPartition ??= r.offset;
      w.last = r.offset;
      w.records++;
      if (w.lines.length >= perSegment) await flush(w);
    }
    const written: WrittenPartition[] = [];
    for (const w of writers.values()) {
      await flush(w);
      const span = { start: w.firstOfPartition!, end: w.last! };
      const coverage = options.coverage ? options.coverage(w.topic, w.partition, w.offsetKind, span) : [span];
      const index: SegmentIndex = {
        schema_version: SEGMENT_INDEX_SCHEMA_VERSION,
        hash_recipe: ENVELOPE_HASH_RECIPE,
        topic: w.topic,
        partition: w.partition,
        offset_kind: w.offsetKind,
        coverage,
        segments: w.segments,
      };
      await writeOnce(join(w.dir, INDEX_FILE), `${JSON.stringify(index, null, 1)}\n`);
      written.push({
        topic: w.topic,
        partition: w.partition,
        offset_kind: w.offsetKind,
        records: w.records,
        segments: w.segments.length,
        coverage,
      });
    }
    return written;
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `writing segment files under ${root}`);
  }
}
