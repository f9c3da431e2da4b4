import type { ReplaySlice } from '../records/intent.js';
import type { OffsetRange, ReplayRecord } from '../records/replay.js';
import type { AbortOptions } from './common.js';

/**
 * A source of replayed events: one adapter for the event bus (EB), one for the Archive.
 * `coverage` says which offsets of a slice the source can prove it holds; `read` streams them.
 */
export interface ReplaySource {
  /**
   * Offset ranges (inclusive, ascending, non-overlapping) of `slice` this source holds, clipped
   * to the slice; `[]` when it holds none; `null` when it cannot tell (completeness is then
   * UNCHECKABLE for what it would have to serve).
   */
  coverage(slice: ReplaySlice, options?: AbortOptions): Promise<readonly OffsetRange[] | null>;
  /**
   * The records of `slice`'s topic/partition with offsets in `range`, in ascending offset order.
   * A source may return records outside the range or of another partition; the corridor drops
   * and counts them.
   */
  read(slice: ReplaySlice, range: OffsetRange, options?: AbortOptions): AsyncIterable<ReplayRecord>;
  /**
   * Optional batched form of `read`: exactly the same records in the same order, grouped in
   * arrays (any sizes). The corridor prefers it when present: one await per batch instead of one
   * per record is what lets a replay run at millions of records per second.
   */
  readBatches?(slice: ReplaySlice, range: OffsetRange, options?: AbortOptions): AsyncIterable<readonly ReplayRecord[]>;
  /**
   * Optional, for time-window selectors: the event-time range of every stored chunk (e.g. segment
   * file) of one topic partition, ascending by offset, together covering every offset the source
   * holds there; `[]` when it holds none; `undefined` when it cannot prove the times of some chunk
   * (then no time window can be resolved against it: the resolver fails closed).
   */
  timeIndex?(partition: TimePartition, options?: AbortOptions): Promise<readonly TimeIndexChunk[] | undefined>;
  /** Optional, with `timeIndex`: the partitions of `topic` (with `offsetKind`) the source holds, ascending. */
  partitions?(topic: string, offsetKind: string, options?: AbortOptions): Promise<readonly number[]>;
}

/** A topic partition of one offset kind. */
export interface TimePartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset_kind: string;
}

/** The time range of one stored chunk: offsets `[first_offset, last_offset]`, event times `[min_ts_utc, max_ts_utc]` (instants). */
export interface TimeIndexChunk {
  readonly first_offset: string;
  readonly last_offset: string;
  readonly min_ts_utc: string;
  readonly max_ts_utc: string;
}
