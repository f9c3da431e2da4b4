import {
  type AbortOptions,
  type BackoffOptions,
  type ObjectStore,
  OfsError,
  type OffsetRange,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
  throwIfAborted,
  withBackoff,
} from '@ofs/contracts';
import { decodeArchiveRecord } from './archive-record.js';
import { archivePartitionPrefix, offsetOfName } from './layout.js';

/** Options of `createArchiveSource`. */
export interface ArchiveSourceOptions {
  /** The object store that holds the archive (S3, the filesystem, memory: any `ObjectStore`). */
  readonly store: ObjectStore;
  /** The run whose archive is read: keys start with `{platformRunId}/archive/events/`. */
  readonly platformRunId: string;
  /** Recompute each record's envelope hash and refuse a record whose `payload_hash` differs. */
  readonly verifyHashes?: boolean;
  /** Records per batch of `readBatches` (default 256). */
  readonly batchSize?: number;
  /** Objects fetched at once within a batch (default 16). */
  readonly concurrency?: number;
  /** Retries of retryable store failures (see `withBackoff`; default 3 attempts). */
  readonly retry?: BackoffOptions;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** The first index of `sorted` whose value is ≥ `v`. */
function lowerBound(sorted: readonly bigint[], v: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Maximal runs of consecutive integers of `sorted` inside [lo, hi]. */
function runs(sorted: readonly bigint[], lo: bigint, hi: bigint): OffsetRange[] {
  const out: OffsetRange[] = [];
  let start: bigint | undefined;
  let prev = 0n;
  for (let i = lowerBound(sorted, lo); i < sorted.length && sorted[i]! <= hi; i++) {
    const o = sorted[i]!;
    if (start !== undefined && o === prev + 1n) {
      prev = o;
      continue;
    }
    if (start !== undefined) out.push({ start: start.toString(), end: prev.toString() });
    start = o;
    prev = o;
  }
  if (start !== undefined) out.push({ start: start.toString(), end: prev.toString() });
  return out;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * A `ReplaySource` (Archive) over the reference platform's archive layout on any `ObjectStore`:
 * one `archive_event_record_v0` object per record at
 * `{platform_run_id}/archive/events/topic={tok}/partition={n}/offset_kind={tok}/offset={offset}.json`.
 *
 * - `coverage` lists the partition's prefix and claims exactly the offsets whose objects are
 *   listed (maximal runs of consecutive offsets), ordered numerically though the store lists
 *   lexicographically (`offset=10.json` before `offset=9.json`). Objects whose name is not
 *   `offset={canonical decimal}.json` are not records and prove nothing. The listing is kept as
 *   the partition's promise (each coverage call renews it).
 * - `read` / `readBatches` fetch the listed objects of a range in ascending offset order,
 *   `batchSize` at a time, `concurrency` in flight. An object that was listed and is gone at read
 *   time is `REPLAY_RECORD_MISSING`; an object that is not an archive record of the position its
 *   key names is `REPLAY_RECORD_INVALID`.
 */
export function createArchiveSource(options: ArchiveSourceOptions): ReplaySource {
  const { store, platformRunId } = options;
  const verifyHashes = options.verifyHashes ?? false;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 256));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 16));
  const listings = new Map<string, bigint[]>();
  const retry = (signal: AbortSignal | undefined): BackoffOptions => ({ attempts: 3, ...options.retry, ...(signal ? { signal } : {}) });

  async function list(prefix: string, signal: AbortSignal | undefined): Promise<bigint[]> {
    return withBackoff(async () => {
      const offsets: bigint[] = [];
      for await (const key of store.list(prefix, signal ? { signal } : {})) {
        const offset = offsetOfName(key.slice(prefix.length));
        if (offset !== undefined) offsets.push(BigInt(offset));
      }
      return offsets.sort(cmp);
    }, retry(signal));
  }

  async function* readBatches(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions): AsyncGenerator<ReplayRecord[]> {
    const signal = opts?.signal;
    throwIfAborted(signal);
    const prefix = archivePartitionPrefix(platformRunId, slice.topic, slice.partition, slice.offset_kind);
    const listed = listings.get(prefix) ?? (await list(prefix, signal));
    const lo = BigInt(range.start);
    const hi = BigInt(range.end);
    let i = lowerBound(listed, lo);
    while (i < listed.length && listed[i]! <= hi) {
      throwIfAborted(signal);
      const chunk: bigint[] = [];
      for (; i < listed.length && listed[i]! <= hi && chunk.length < batchSize; i++) chunk.push(listed[i]!);
      const records = await mapLimit(chunk, concurrency, async (o) => {
        const offset = o.toString();
        const key = `${prefix}offset=${offset}.json`;
        const bytes = await withBackoff(() => store.get(key, signal ? { signal } : {}), retry(signal));
        if (bytes === undefined) {
          throw new OfsError('REPLAY_RECORD_MISSING', {
            message: `archive object ${key} was listed as coverage and is gone at read time`,
            details: { key, topic: slice.topic, partition: slice.partition, offset_kind: slice.offset_kind, offset },
          });
        }
        return decodeArchiveRecord(
          bytes,
          { key, topic: slice.topic, partition: slice.partition, offset_kind: slice.offset_kind, offset },
          verifyHashes,
        );
      });
      yield records;
    }
  }

  return {
    async coverage(slice, opts) {
      throwIfAborted(opts?.signal);
      const prefix = archivePartitionPrefix(platformRunId, slice.topic, slice.partition, slice.offset_kind);
      const listed = await list(prefix, opts?.signal);
      listings.set(prefix, listed);
      return runs(listed, BigInt(slice.start_offset), BigInt(slice.end_offset));
    },
    async *read(slice, range, opts) {
      for await (const batch of readBatches(slice, range, opts)) yield* batch;
    },
    readBatches,
  };
}
