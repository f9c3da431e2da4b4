import type { OffsetRange } from '@ofs/contracts';

/**
 * An ascending list of disjoint ranges built one range at a time, merging adjacent ones and
 * keeping at most `limit` entries (the offset count stays exact), so a receipt's memory does not
 * grow with the number of records.
 */
export class CappedRangeList {
  private readonly ranges: OffsetRange[] = [];
  private lastEnd: bigint | undefined;
  private lastStart: bigint | undefined;
  /** Offsets in every range appended, including the ones cut off. */
  offsets = 0n;
  /** `true` once a range had to be cut off. */
  truncated = false;

  constructor(private readonly limit: number) {}

  /** Appends `[start, end]`; it must lie above every range appended before. */
  push(start: bigint, end: bigint): void {
    this.offsets += end - start + 1n;
    if (this.lastEnd !== undefined && start === this.lastEnd + 1n) {
      this.lastEnd = end;
      return;
    }
    this.flush();
    this.lastStart = start;
    this.lastEnd = end;
  }

  private flush(): void {
    if (this.lastStart === undefined || this.lastEnd === undefined) return;
    if (this.ranges.length < this.limit) this.ranges.push({ start: this.lastStart.toString(), end: this.lastEnd.toString() });
    else this.truncated = true;
    this.lastStart = undefined;
    this.lastEnd = undefined;
  }

  /** Finishes the list and returns its (possibly cut) ranges. */
  finish(): OffsetRange[] {
    this.flush();
    return this.ranges;
  }
}
