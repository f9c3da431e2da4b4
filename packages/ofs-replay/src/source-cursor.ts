import { OfsError, type ReplayCounts, type ReplayRecord, type ReplaySlice, type ReplaySource, toOfsError } from '@ofs/contracts';
import type { BigRange } from './offsets.js';

const OFFSET = /^(0|[1-9][0-9]*)$/;
const HASH = /^[0-9a-f]{64}$/;

/** Called when a source repeats an offset with a different payload hash. */
export type DuplicateMismatchHandler = (offset: bigint, first: string, second: string) => void;

/**
 * Pulls one source's records for one slice, range by range, and keeps only what it may serve:
 * foreign records and records outside the range being read are dropped and counted, repeated
 * offsets are dropped (counted; a different hash is reported), and a record below the previous
 * offset is the source breaking its ordering contract (`REPLAY_RECORD_INVALID`).
 */
export class SourceCursor {
  /** The next record this source offers, or `undefined` when it is exhausted. */
  head: ReplayRecord | undefined;
  /** `head`'s offset. */
  headOffset = -1n;
  private iterator: AsyncIterator<ReplayRecord> | undefined;
  private rangeIndex = 0;
  private lo = 0n;
  private hi = -1n;
  private lastOffset = -1n;
  private lastHash = '';

  constructor(
    private readonly name: 'EB' | 'ARCHIVE',
    private readonly source: ReplaySource,
    private readonly slice: ReplaySlice,
    private readonly ranges: readonly BigRange[],
    private readonly counts: ReplayCounts,
    private readonly onDuplicateMismatch: DuplicateMismatchHandler,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private failure(error: unknown): OfsError {
    return toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', `${this.name} read of ${this.slice.topic}/${this.slice.partition}`);
  }

  /** Moves `head` to the next servable record. */
  async advance(): Promise<void> {
    const { slice, counts } = this;
    for (;;) {
      if (this.iterator === undefined) {
        const range = this.ranges[this.rangeIndex];
        if (range === undefined) {
          this.head = undefined;
          return;
        }
        this.lo = range.start;
        this.hi = range.end;
        try {
          const options = this.signal ? { signal: this.signal } : undefined;
          this.iterator = this.source
            .read(slice, { start: range.start.toString(), end: range.end.toString() }, options)
            [Symbol.asyncIterator]();
        } catch (error) {
          throw this.failure(error);
        }
      }
      let step: IteratorResult<ReplayRecord>;
      try {
        step = await this.iterator.next();
      } catch (error) {
        throw this.failure(error);
      }
      if (step.done) {
        this.iterator = undefined;
        this.rangeIndex++;
        continue;
      }
      const record = step.value;
      if (record.topic !== slice.topic || record.partition !== slice.partition || record.offset_kind !== slice.offset_kind) {
        counts.dropped_foreign++;
        continue;
      }
      if (typeof record.offset !== 'string' || !OFFSET.test(record.offset)) throw this.invalid(record, 'offset is not a canonical decimal');
      const offset = BigInt(record.offset);
      if (offset < this.lo || offset > this.hi) {
        counts.dropped_out_of_range++;
        continue;
      }
      if (typeof record.payload_hash !== 'string' || !HASH.test(record.payload_hash))
        throw this.invalid(record, 'payload_hash is not sha256 hex');
      if (offset <= this.lastOffset) {
        if (offset < this.lastOffset)
          throw this.invalid(record, `offset comes after ${this.lastOffset}: records must be in ascending order`);
        counts.duplicates++;
        if (record.payload_hash !== this.lastHash) this.onDuplicateMismatch(offset, this.lastHash, record.payload_hash);
        continue;
      }
      this.lastOffset = offset;
      this.lastHash = record.payload_hash;
      this.head = record;
      this.headOffset = offset;
      return;
    }
  }

  private invalid(record: ReplayRecord, why: string): OfsError {
    return new OfsError('REPLAY_RECORD_INVALID', {
      message: `${this.name} record ${this.slice.topic}/${this.slice.partition}@${String(record.offset)}: ${why}`,
      details: { source: this.name, topic: this.slice.topic, partition: this.slice.partition, offset: String(record.offset) },
    });
  }

  /** Releases the source's open iterator (when the stream stops early). */
  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    this.rangeIndex = this.ranges.length;
    try {
      await iterator?.return?.();
    } catch {
      // Closing is best effort: the stream is already being abandoned.
    }
  }
}
