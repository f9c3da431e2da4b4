import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import {
  type AbortOptions,
  type BackoffOptions,
  OfsError,
  type OffsetRange,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
  throwIfAborted,
  withBackoff,
} from '@ofs/contracts';
import { decodeKinesisEnvelope, KINESIS_SEQUENCE } from './envelope.js';
import { kinesisCodeOf, toSourceError } from './errors.js';
import { defaultShardMapping, type ShardMapping } from './shards.js';

/** Options of `createKinesisSource`. */
export interface KinesisSourceOptions {
  /**
   * A configured client (region, credentials, endpoint); the adapter never reads the environment.
   * Give it an HTTP/1.1 handler (`NodeHttpHandler`) for servers without HTTP/2 (kinesalite).
   */
  readonly client: KinesisClient;
  /** The stream that carries the topic. */
  readonly stream: string;
  /** The topic the stream carries (default: the stream name); slices of other topics hold nothing. */
  readonly topic?: string;
  /** Partition → shard id (default `defaultShardMapping`: partition n is `shardId-00000000000n`). */
  readonly shardOf?: ShardMapping;
  /** Records asked for per `GetRecords` call: the most a read holds in memory at once (default 1,000; at most 10,000). */
  readonly batchSize?: number;
  /** Retries of throttling, expired iterators, 5xx and network failures (see `withBackoff`). */
  readonly retry?: BackoffOptions;
}

type IteratorStart = { type: 'TRIM_HORIZON' } | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; sequence: string };

const big = (s: string): bigint => BigInt(s);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * A `ReplaySource` over one Kinesis data stream. One shard is one topic partition
 * (`shardOf`); sequence numbers are the offsets, under the sparse offset kind `kinesis_sequence`,
 * compared as big integers. Slices of another topic or offset kind hold nothing.
 *
 * - `coverage` proves what the shard still holds, from its trim horizon to the slice's end
 *   without reading the shard: the first held record (one `GetRecords` from `TRIM_HORIZON`), and
 *   whether the shard already reached the slice's end (one `GetRecords` at that sequence number).
 *   Only when it did not (the slice runs past the head of the stream), or the end is not a
 *   sequence number of the shard, are the slice's own records scanned for the last one. The
 *   first held sequence is remembered as the shard's promise.
 * - `read` / `readBatches` stream a range in order, `batchSize` records per request (bounded
 *   memory; the next request waits for the iterator's consumer). Before reading, the shard's
 *   trim horizon is checked against the promise: records trimmed since coverage was proven fail
 *   the read with `REPLAY_RECORD_MISSING`, never a silent gap.
 * - A shard closed by a split or merge before the slice's end is `REPLAY_SHARD_RESHARDED`
 *   (coverage and read): its later records live in child shards, i.e. other partitions.
 * - Data that is not an event envelope, or sequence numbers out of order, are
 *   `REPLAY_RECORD_INVALID` with stream, shard and sequence; a missing stream or refused
 *   credentials `REPLAY_SOURCE_NOT_FOUND`; throttling, expired iterators, 5xx and network
 *   failures are retried with `withBackoff`, then `REPLAY_SOURCE_UNAVAILABLE` (retryable).
 */
export function createKinesisSource(options: KinesisSourceOptions): ReplaySource {
  const { client, stream } = options;
  const topic = options.topic ?? stream;
  const shardOf = options.shardOf ?? defaultShardMapping;
  const batchSize = Math.min(10_000, Math.max(1, Math.floor(options.batchSize ?? 1000)));
  /** Shard id → first sequence held when its coverage was last proven. */
  const promises = new Map<string, bigint>();

  const retried = <T>(what: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> =>
    withBackoff(
      async () => {
        try {
          return await op();
        } catch (error) {
          throw toSourceError(error, stream, what, signal);
        }
      },
      { ...options.retry, ...(signal ? { signal } : {}) },
    );
  const sendOptions = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

  async function findShard(slice: ReplaySlice, signal: AbortSignal | undefined): Promise<Shard | undefined> {
    if (slice.topic !== topic || slice.offset_kind !== KINESIS_SEQUENCE) return undefined;
    const shardId = shardOf(slice.partition);
    let token: string | undefined;
    do {
      const next = token;
      const page = await retried('ListShards', signal, () =>
        client.send(new ListShardsCommand(next === undefined ? { StreamName: stream } : { NextToken: next }), sendOptions(signal)),
      );
      const found = page.Shards?.find((s) => s.ShardId === shardId);
      if (found) return found;
      token = page.NextToken;
    } while (token !== undefined);
    return undefined;
  }

  /** An iterator at `start`; a sequence number the shard refuses (not one of its own) falls back to the trim horizon. */
  async function iteratorAt(
    shardId: string,
    start: IteratorStart,
    signal: AbortSignal | undefined,
  ): Promise<{ iterator: string | undefined; exact: boolean }> {
    const request = (type: ShardIteratorType, sequence?: string) =>
      client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequence === undefined ? {} : { StartingSequenceNumber: sequence }),
        }),
        sendOptions(signal),
      );
    return retried(`GetShardIterator ${shardId}`, signal, async () => {
      if (start.type === 'TRIM_HORIZON') return { iterator: (await request('TRIM_HORIZON')).ShardIterator, exact: true };
      try {
        return { iterator: (await request(start.type, start.sequence)).ShardIterator, exact: true };
      } catch (error) {
        if (kinesisCodeOf(error) !== 'InvalidArgumentException') throw error;
        return { iterator: (await request('TRIM_HORIZON')).ShardIterator, exact: false };
      }
    });
  }

  /**
   * Pages of a shard from `start`: each the records of one `GetRecords`, stopping when the shard
   * is caught up (an empty answer 0 ms behind the tip) or closed. An expired iterator is renewed
   * after the last record seen.
   */
  async function* pages(
    shardId: string,
    start: IteratorStart,
    limit: number,
    signal: AbortSignal | undefined,
    exactOnly = false,
  ): AsyncGenerator<{ records: NonNullable<GetRecordsCommandOutput['Records']>; closed: boolean }> {
    let position = start;
    const opened = await iteratorAt(shardId, position, signal);
    if (exactOnly && !opened.exact) return;
    let iterator = opened.iterator;
    while (iterator !== undefined) {
      let current: string = iterator;
      // An expired iterator (idle > 5 min, e.g. a slow consumer) is renewed at the last record
      // seen, then the backoff retries with the new one.
      const page: GetRecordsCommandOutput = await retried(`GetRecords ${shardId}`, signal, async () => {
        try {
          return await client.send(new GetRecordsCommand({ ShardIterator: current, Limit: limit }), sendOptions(signal));
        } catch (error) {
          if (kinesisCodeOf(error) === 'ExpiredIteratorException') {
            const renewed = (await iteratorAt(shardId, position, signal)).iterator;
            if (renewed !== undefined) current = renewed;
          }
          throw error;
        }
      });
      const records = page.Records ?? [];
      const closed = page.NextShardIterator === undefined || page.NextShardIterator === null;
      yield { records, closed };
      const last = records.at(-1)?.SequenceNumber;
      if (last !== undefined) position = { type: 'AFTER_SEQUENCE_NUMBER', sequence: last };
      if (closed || (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0)) return;
      iterator = page.NextShardIterator;
    }
  }

  /** The first sequence the shard holds now, or `undefined` when it holds none. */
  async function firstHeld(shardId: string, signal: AbortSignal | undefined): Promise<bigint | undefined> {
    for await (const page of pages(shardId, { type: 'TRIM_HORIZON' }, 1, signal)) {
      const first = page.records[0]?.SequenceNumber;
      if (first !== undefined) return big(first);
    }
    return undefined;
  }

  function resharded(shard: Shard, slice: ReplaySlice): OfsError {
    const ending = shard.SequenceNumberRange?.EndingSequenceNumber ?? null;
    return new OfsError('REPLAY_SHARD_RESHARDED', {
      message: `Kinesis shard ${stream}/${shard.ShardId} was split or merged at sequence ${ending}, inside the slice ${slice.topic}/${slice.partition} ending at ${slice.end_offset}`,
      details: { stream, shard: shard.ShardId ?? null, partition: slice.partition, ending_sequence: ending, slice_end: slice.end_offset },
    });
  }

  const closedBefore = (shard: Shard, end: bigint): boolean => {
    const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
    return ending !== undefined && end > big(ending);
  };

  async function coverage(slice: ReplaySlice, opts?: AbortOptions): Promise<readonly OffsetRange[]> {
    const signal = opts?.signal;
    throwIfAborted(signal);
    const shard = await findShard(slice, signal);
    if (shard?.ShardId === undefined) return [];
    const shardId = shard.ShardId;
    const start = big(slice.start_offset);
    const end = big(slice.end_offset);
    if (closedBefore(shard, end)) throw resharded(shard, slice);
    const first = await firstHeld(shardId, signal);
    if (first === undefined) {
      promises.delete(shardId);
      return [];
    }
    promises.set(shardId, first);
    const lo = maxBig(start, first);
    if (lo > end) return [];
    // Has the shard reached the slice's end? A closed shard has; else one record at `end`, if `end` is a sequence of this shard.
    let reached = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    if (!reached) {
      for await (const page of pages(shardId, { type: 'AT_SEQUENCE_NUMBER', sequence: slice.end_offset }, 1, signal, true)) {
        if (page.records.length > 0) {
          reached = true;
          break;
        }
      }
    }
    if (reached) return [{ start: lo.toString(), end: end.toString() }];
    // The slice runs past the shard's tip (or its end is no sequence of the shard): find the last record ≤ end.
    let last: bigint | undefined;
    const from: IteratorStart = lo === first ? { type: 'TRIM_HORIZON' } : { type: 'AT_SEQUENCE_NUMBER', sequence: lo.toString() };
    scan: for await (const page of pages(shardId, from, batchSize, signal)) {
      for (const record of page.records) {
        const seq = big(record.SequenceNumber as string);
        if (seq > end) {
          last = end;
          break scan;
        }
        if (seq >= lo) last = seq;
      }
    }
    return last === undefined ? [] : [{ start: lo.toString(), end: last.toString() }];
  }

  async function* readBatches(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions): AsyncGenerator<ReplayRecord[]> {
    const signal = opts?.signal;
    throwIfAborted(signal);
    const shard = await findShard(slice, signal);
    if (shard?.ShardId === undefined) return;
    const shardId = shard.ShardId;
    const start = big(range.start);
    const end = big(range.end);
    const held = await firstHeld(shardId, signal);
    const promised = promises.get(shardId);
    if (promised !== undefined && (held === undefined || (held > promised && held > start))) {
      throw new OfsError('REPLAY_RECORD_MISSING', {
        message: `Kinesis shard ${stream}/${shardId} no longer holds records its coverage promised: its trim horizon moved from ${promised} to ${held ?? 'empty'}, past the range start ${range.start}`,
        details: {
          stream,
          shard: shardId,
          partition: slice.partition,
          promised_first: promised.toString(),
          held_first: held?.toString() ?? null,
          range_start: range.start,
        },
      });
    }
    if (held === undefined) return;
    // At or before the first held record: read from the trim horizon (no sequence number to forge).
    const from: IteratorStart = start <= held ? { type: 'TRIM_HORIZON' } : { type: 'AT_SEQUENCE_NUMBER', sequence: range.start };
    let previous: bigint | undefined;
    for await (const page of pages(shardId, from, batchSize, signal)) {
      const batch: ReplayRecord[] = [];
      let done = false;
      for (const record of page.records) {
        const sequence = record.SequenceNumber as string;
        const seq = big(sequence);
        if (previous !== undefined && seq <= previous) {
          throw new OfsError('REPLAY_RECORD_INVALID', {
            message: `Kinesis shard ${stream}/${shardId} returned sequence ${sequence} after ${previous}: out of order`,
            details: { stream, shard: shardId, sequence, previous: previous.toString() },
          });
        }
        previous = seq;
        if (seq < start) continue;
        if (seq > end) {
          done = true;
          break;
        }
        batch.push(
          decodeKinesisEnvelope(record.Data ?? new Uint8Array(), slice.topic, slice.partition, { stream, shard: shardId, sequence }),
        );
      }
      if (batch.length > 0) yield batch;
      if (done) return;
      if (page.closed) {
        // The shard closed: reread its range (it may have closed during the read).
        const now = (await findShard(slice, signal)) ?? shard;
        if (closedBefore(now, end)) throw resharded(now, slice);
      }
      throwIfAborted(signal);
    }
  }

  return {
    coverage,
    readBatches,
    async *read(slice, range, opts) {
      for await (const batch of readBatches(slice, range, opts)) yield* batch;
    },
  };
}
