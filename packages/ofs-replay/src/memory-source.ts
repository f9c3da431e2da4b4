import {
  type AbortOptions,
  type OffsetRange,
  OfsError,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
  throwIfAborted,
} from '@ofs/contracts';
import { ENVELOPE_HASH_RECIPE, envelopeHash } from '@ofs/ids';
import { type BigRange, normalizeRanges, parseOffset, toWireRanges } from './offsets.js';

/** Options of `createMemoryReplaySource`. */
export interface MemoryReplaySourceOptions {
  /**
   * What `coverage(slice)` answers. Default: the span from the lowest to the highest offset the
   * source holds in the slice's topic/partition/offset kind (a retention window), clipped to the
   * slice. A function declares coverage explicitly (it is clipped to the slice); `null` makes the
   * source unable to tell (replay is then `UNCHECKABLE`).
   */
  coverage?: ((slice: ReplaySlice) => readonly OffsetRange[] | null) | null;
  /**
   * Recompute each record's `payload_hash` (`ofs.envelope_hash.v1`: `event_id`, `ts_utc`,
   * `payload` and the optional `envelope` fields) whenever it is read, and fail with
   * `REPLAY_RECORD_INVALID` on a difference — the same check as the segment-file source's
   * `verifyHashes`. Default `false`.
   */
  verifyHashes?: boolean;
}

interface Partition {
  readonly records: ReplayRecord[];
  readonly offsets: bigint[];
}

/** Records per `readBatches` batch. */
const BATCH = 1024;

const keyOf = (topic: string, partition: number, kind: string): string => `${topic}\u0000${partition}\u0000${kind}`;

/** First index whose offset is `>= target` (binary search). */
function lowerBound(offsets: readonly bigint[], target: bigint): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (offsets[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Throws `REPLAY_RECORD_INVALID` unless `record.payload_hash` is its `ofs.envelope_hash.v1`. */
function verifyRecordHash(record: ReplayRecord): void {
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const where = `${record.topic}/${record.partition}@${record.offset}`;
  if (typeof record.event_id !== 'string' || typeof record.ts_utc !== 'string' || !isObject(record.payload)) {
    throw new OfsError('REPLAY_RECORD_INVALID', {
      message: `${where}: event_id, ts_utc and payload cannot be hashed`,
      details: { offset: record.offset },
    });
  }
  if (record.envelope !== undefined && !isObject(record.envelope)) {
    throw new OfsError('REPLAY_RECORD_INVALID', { message: `${where}: envelope must be an object`, details: { offset: record.offset } });
  }
  if (envelopeHash(record) !== record.payload_hash) {
    throw new OfsError('REPLAY_RECORD_INVALID', {
      message: `${where}: payload_hash does not match the envelope (${ENVELOPE_HASH_RECIPE})`,
      details: { topic: record.topic, partition: record.partition, offset: record.offset },
    });
  }
}

/**
 * An in-memory `ReplaySource` over `records` (any order; sorted by offset per partition, stable,
 * so repeated offsets keep their input order). For tests, demos and embedding hosts that already
 * hold the events; `read` is a binary search plus a slice, so it costs nothing per skipped record.
 */
export function createMemoryReplaySource(records: Iterable<ReplayRecord>, options: MemoryReplaySourceOptions = {}): ReplaySource {
  const partitions = new Map<string, { records: ReplayRecord[]; offsets: bigint[] }>();
  for (const record of records) {
    const offset = parseOffset(record.offset, 'record offset', 'REPLAY_RECORD_INVALID');
    const key = keyOf(record.topic, record.partition, record.offset_kind);
    let p = partitions.get(key);
    if (!p) partitions.set(key, (p = { records: [], offsets: [] }));
    p.records.push(record);
    p.offsets.push(offset);
  }
  const sorted = new Map<string, Partition>();
  for (const [key, p] of partitions) {
    const order = p.offsets
      .map((_, i) => i)
      .sort((a, b) => (p.offsets[a]! < p.offsets[b]! ? -1 : p.offsets[a]! > p.offsets[b]! ? 1 : a - b));
    sorted.set(key, { records: order.map((i) => p.records[i]!), offsets: order.map((i) => p.offsets[i]!) });
  }
  const partitionOf = (slice: ReplaySlice) => sorted.get(keyOf(slice.topic, slice.partition, slice.offset_kind));

  async function* readBatches(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions): AsyncGenerator<readonly ReplayRecord[]> {
    throwIfAborted(opts?.signal);
    const p = partitionOf(slice);
    if (!p) return;
    const lo = parseOffset(range.start, 'range start', 'REPLAY_RECORD_INVALID');
    const hi = parseOffset(range.end, 'range end', 'REPLAY_RECORD_INVALID');
    const end = lowerBound(p.offsets, hi + 1n);
    for (let i = lowerBound(p.offsets, lo); i < end; i += BATCH) {
      throwIfAborted(opts?.signal);
      const batch = p.records.slice(i, Math.min(end, i + BATCH));
      if (options.verifyHashes) for (const record of batch) verifyRecordHash(record);
      yield batch;
    }
  }

  return {
    async coverage(slice: ReplaySlice, opts?: AbortOptions) {
      throwIfAborted(opts?.signal);
      const lo = BigInt(slice.start_offset);
      const hi = BigInt(slice.end_offset);
      if (options.coverage === null) return null;
      if (options.coverage) {
        const declared = options.coverage(slice);
        if (declared === null) return null;
        const parsed: BigRange[] = declared.map((r) => ({
          start: parseOffset(r.start, 'coverage start', 'REPLAY_RECORD_INVALID'),
          end: parseOffset(r.end, 'coverage end', 'REPLAY_RECORD_INVALID'),
        }));
        return toWireRanges(normalizeRanges(parsed, lo, hi));
      }
      const p = partitionOf(slice);
      if (!p || p.offsets.length === 0) return [];
      return toWireRanges(normalizeRanges([{ start: p.offsets[0]!, end: p.offsets[p.offsets.length - 1]! }], lo, hi));
    },
    async *read(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions) {
      for await (const batch of readBatches(slice, range, opts)) yield* batch;
    },
    readBatches,
  };
}
