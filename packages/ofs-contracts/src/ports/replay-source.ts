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
}
