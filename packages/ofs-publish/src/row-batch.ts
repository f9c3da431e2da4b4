import { ByteBuffer } from './byte-buffer.js';

/**
 * The rows of one label batch while their labels are resolved: each row's early runs (see
 * `SplitRowEncoder`) UTF-8 encoded into one reused byte buffer, plus the row's slice index,
 * event id and canonical event time. Nothing per row is kept as a JavaScript object, so a batch
 * of thousands of rows costs the garbage collector nothing when it is promoted or dropped.
 */
export class RowBatch {
  /** Where the early runs of the current row are written (`SplitRowEncoder.writeEarly`), then closed with `endRun`. */
  readonly sink = new ByteBuffer(1 << 20);
  /** End offset (exclusive) of early run `k` of row `i` at `i * runs + k`. */
  private ends: Int32Array;
  private sliceOf: Int32Array;
  /** Event ids of the rows. */
  readonly eventIds: string[] = [];
  /** Canonical `ts_utc` of the rows. */
  readonly times: string[] = [];
  /** The kept values (`keep`) of row `i` at `i * keep.length + j` (one flat array, reused). */
  private readonly kept: unknown[] = [];

  /**
   * `runs`: early runs per row; `capacity`: rows per batch (the arrays grow if exceeded);
   * `keep`: value slots held per row until its labels are joined (see `keepValues`).
   */
  constructor(
    private readonly runs: number,
    capacity: number,
    private readonly keep: readonly number[] = [],
  ) {
    this.ends = new Int32Array(Math.max(1, capacity) * runs);
    this.sliceOf = new Int32Array(Math.max(1, capacity));
  }

  /**
   * Holds the `keep` slots of `values` for the row begun last, each as `standIn(j, value)`
   * (`j`: index into `keep`; a reference, or something smaller that counts the same).
   */
  keepValues(values: readonly unknown[], standIn: (j: number, value: unknown) => unknown): void {
    const keep = this.keep;
    const n = keep.length;
    let at = (this.eventIds.length - 1) * n;
    for (let j = 0; j < n; j++) this.kept[at++] = standIn(j, values[keep[j] as number]);
  }

  /** Puts the values `keepValues` held for row `i` back into their slots of `into`. */
  keptValues(i: number, into: unknown[]): void {
    const keep = this.keep;
    const n = keep.length;
    let at = i * n;
    for (let j = 0; j < n; j++) into[keep[j] as number] = this.kept[at++];
  }

  /** Rows held. */
  get length(): number {
    return this.eventIds.length;
  }

  /** The bytes of every row's early runs (valid until the next `clear`). */
  get bytes(): Uint8Array {
    return this.sink.bytes;
  }

  /** Starts a row; its early runs follow with `run`, in order. */
  begin(slice: number, eventId: string, ts: string): void {
    const i = this.eventIds.length;
    if (i >= this.sliceOf.length) {
      const slices = new Int32Array(this.sliceOf.length * 2);
      slices.set(this.sliceOf);
      this.sliceOf = slices;
      const ends = new Int32Array(this.ends.length * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    this.sliceOf[i] = slice;
    this.eventIds.push(eventId);
    this.times.push(ts);
  }

  /** Ends early run `k` of the row begun last: it is what was written to `sink` since the previous run. */
  endRun(k: number): void {
    this.ends[(this.eventIds.length - 1) * this.runs + k] = this.sink.length;
  }

  /** Slice index of row `i`. */
  slice(i: number): number {
    return this.sliceOf[i] as number;
  }

  /** Start offset of early run `k` of row `i`. */
  start(i: number, k: number): number {
    const at = i * this.runs + k;
    return at === 0 ? 0 : (this.ends[at - 1] as number);
  }

  /** End offset (exclusive) of early run `k` of row `i`. */
  end(i: number, k: number): number {
    return this.ends[i * this.runs + k] as number;
  }

  /** Forgets every row (keeps the buffers). */
  clear(): void {
    this.sink.length = 0;
    // Drop the references (the array keeps its size for the next batch).
    this.kept.fill(undefined);
    this.eventIds.length = 0;
    this.times.length = 0;
  }
}
