import { OfsError, type ReplayCounts, type ReplayRecord, type ReplaySlice, type ReplaySource, toOfsError } from '@ofs/contracts';
import { type Offset, parseOffsetBigInt, parseOffsetNumber } from './offset-number.js';
import type { BigRange } from './offsets.js';

/** Called when a source repeats an offset with a different payload hash. */
export type DuplicateMismatchHandler = (offset: Offset, first: string, second: string) => void;

const EMPTY: readonly ReplayRecord[] = [];

/**
 * Pulls one source's records for one slice, range by range, and keeps only what it may serve:
 * foreign records and records outside the range being read are dropped and counted, repeated
 * offsets are dropped (counted; a different hash is reported), and a record below the previous
 * offset is the source breaking its ordering contract (`REPLAY_RECORD_INVALID`).
 *
 * Reads through `readBatches` when the source has it, so `advance` is synchronous (returns
 * `undefined`) until a batch runs out; only then does it return a promise to await.
 *
 * With `numberOffsets` (the slice ends at or below 2^53 − 1) offsets are parsed to exact numbers
 * (an offset beyond the slice may parse inexactly, but still above it, so it is dropped the same);
 * otherwise to bigints. Either way the same records are kept, dropped and counted.
 */
export class SourceCursor {
  /** The next record this source offers, or `undefined` when it is exhausted. */
  head: ReplayRecord | undefined;
  /** `head`'s offset. */
  headOffset: Offset;
  private iterator: AsyncIterator<readonly ReplayRecord[] | ReplayRecord> | undefined;
  private batched = false;
  private buffer: readonly ReplayRecord[] = EMPTY;
  private position = 0;
  private rangeIndex = 0;
  private lo: Offset;
  private hi: Offset;
  private lastOffset: Offset;
  private lastHash = '';

  constructor(
    private readonly name: 'EB' | 'ARCHIVE',
    private readonly source: ReplaySource,
    private readonly slice: ReplaySlice,
    private readonly ranges: readonly BigRange[],
    private readonly counts: ReplayCounts,
    private readonly onDuplicateMismatch: DuplicateMismatchHandler,
    private readonly signal: AbortSignal | undefined,
    private readonly numberOffsets: boolean,
  ) {
    const none = numberOffsets ? -1 : -1n;
    this.headOffset = none;
    this.lo = numberOffsets ? 0 : 0n;
    this.hi = none;
    this.lastOffset = none;
  }

  private failure(error: unknown): OfsError {
    return toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', `${this.name} read of ${this.slice.topic}/${this.slice.partition}`);
  }

  /** Moves `head` to the next servable record; returns a promise only when it has to wait for the source. */
  advance(): Promise<void> | undefined {
    if (this.scan()) return undefined;
    return this.refillAndScan();
  }

  private async refillAndScan(): Promise<void> {
    for (;;) {
      if (!(await this.refill())) {
        this.head = undefined;
        return;
      }
      if (this.scan()) return;
    }
  }

  /** Fetches the next batch (or single record); `false` when every range is exhausted. */
  private async refill(): Promise<boolean> {
    for (;;) {
      if (this.iterator === undefined) {
        const range = this.ranges[this.rangeIndex];
        if (range === undefined) return false;
        this.lo = this.numberOffsets ? Number(range.start) : range.start;
        this.hi = this.numberOffsets ? Number(range.end) : range.end;
        try {
          const wire = { start: range.start.toString(), end: range.end.toString() };
          const options = this.signal ? { signal: this.signal } : undefined;
          this.batched = typeof this.source.readBatches === 'function';
          const iterable = this.batched ? this.source.readBatches!(this.slice, wire, options) : this.source.read(this.slice, wire, options);
          this.iterator = (iterable as AsyncIterable<readonly ReplayRecord[] | ReplayRecord>)[Symbol.asyncIterator]();
        } catch (error) {
          throw this.failure(error);
        }
      }
      let step: IteratorResult<readonly ReplayRecord[] | ReplayRecord>;
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
      this.buffer = this.batched ? (step.value as readonly ReplayRecord[]) : [step.value as ReplayRecord];
      this.position = 0;
      return true;
    }
  }

  /** Takes the next servable record from the buffer; `false` when the buffer ran out first. */
  private scan(): boolean {
    const { slice, counts, buffer, numberOffsets } = this;
    const { topic, partition, offset_kind: kind } = slice;
    while (this.position < buffer.length) {
      const record = buffer[this.position++]!;
      if (record.topic !== topic || record.partition !== partition || record.offset_kind !== kind) {
        counts.dropped_foreign++;
        continue;
      }
      const offset = numberOffsets ? parseOffsetNumber(record.offset) : parseOffsetBigInt(record.offset);
      // -1 (or -1n) marks a non-canonical offset.
      if (offset < 0) throw this.invalid(record, 'offset is not a canonical decimal');
      if (offset < this.lo || offset > this.hi) {
        counts.dropped_out_of_range++;
        continue;
      }
      const hash = record.payload_hash;
      // The full hex check is the adapter's job (`verifyHashes`); the corridor needs a 64-character string.
      if (typeof hash !== 'string' || hash.length !== 64) throw this.invalid(record, 'payload_hash is not 64 hex characters');
      if (offset <= this.lastOffset) {
        if (offset < this.lastOffset)
          throw this.invalid(record, `offset comes after ${this.lastOffset}: records must be in ascending order`);
        counts.duplicates++;
        if (hash !== this.lastHash) this.onDuplicateMismatch(offset, this.lastHash, hash);
        continue;
      }
      this.lastOffset = offset;
      this.lastHash = hash;
      this.head = record;
      this.headOffset = offset;
      return true;
    }
    return false;
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
    this.buffer = EMPTY;
    try {
      await iterator?.return?.();
    } catch {
      // Closing is best effort: the stream is already being abandoned.
    }
  }
}
