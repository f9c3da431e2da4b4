import {
  OfsError,
  type ReplayCounts,
  type ReplayMode,
  type ReplayRecord,
  type ReplaySliceReceipt,
  type ReplaySourceName,
  type ReplayStatus,
} from '@ofs/contracts';
import type { AnomalyCollector } from './anomalies.js';
import type { SliceCoverage } from './coverage.js';
import type { EvidenceWriter } from './evidence-writer.js';
import { nextOffset, type Offset, toBigOffset } from './offset-number.js';
import { toWireRanges } from './offsets.js';
import { CappedRangeList } from './range-list.js';

/** Fresh zero counts. */
export function zeroCounts(): ReplayCounts {
  return { records: 0, from_eb: 0, from_archive: 0, duplicates: 0, mismatches: 0, dropped_out_of_range: 0, dropped_foreign: 0 };
}

/**
 * The account of one slice while its records stream past: which source served each offset,
 * which offsets were never served (and whether that is a gap, a hole in coverage or normal for
 * a sparse kind), mismatches, and the receipt entry at the end. Offsets arrive in ascending order,
 * so the state is a cursor plus bounded lists, whatever the number of records.
 *
 * Offsets are numbers when the slice ends at or below 2^53 − 1 (`numberOffsets`), else bigints;
 * the per-record path stays in that representation, the rare paths (gaps, holes, the receipt)
 * work in bigint.
 */
export class SliceLedger {
  readonly counts = zeroCounts();
  private next: Offset;
  private readonly missing: CappedRangeList;
  private readonly selected: Record<ReplaySourceName, CappedRangeList>;
  private uncoveredIndex = 0;
  private gaps = 0;
  private run: { source: ReplaySourceName; start: Offset; end: Offset } | undefined;
  private runBroken = false;
  private firstSource: ReplaySourceName | undefined;
  private lastSource: ReplaySourceName | undefined;
  private lastServed: Offset = -1;
  private switches = 0;
  private cutover: Offset | undefined;
  private readonly dense: boolean;

  constructor(
    private readonly coverage: SliceCoverage,
    private readonly anomalies: AnomalyCollector,
    private readonly evidence: EvidenceWriter,
    private readonly training: boolean,
    rangeLimit: number,
    numberOffsets: boolean,
  ) {
    this.next = numberOffsets ? Number(coverage.parsed.start) : coverage.parsed.start;
    evidence.beginSlice(coverage.parsed.slice.topic, coverage.parsed.slice.partition);
    this.dense = coverage.density === 'dense';
    this.missing = new CappedRangeList(rangeLimit);
    this.selected = { EB: new CappedRangeList(rangeLimit), ARCHIVE: new CappedRangeList(rangeLimit) };
  }

  private where(start: Offset, end: Offset) {
    const { slice } = this.coverage.parsed;
    return { topic: slice.topic, partition: slice.partition, offset_kind: slice.offset_kind, start: String(start), end: String(end) };
  }

  /** Emits `record` (at `offset`) as served by `source`: accounts for everything below it first. */
  serve(record: ReplayRecord, offset: Offset, source: ReplaySourceName): void {
    const expected = this.next;
    if (offset > expected) this.unserved(toBigOffset(expected), toBigOffset(offset) - 1n);
    this.next = nextOffset(offset);
    const run = this.run;
    // `run.end` is the last offset served, so `expected` is `run.end + 1` whenever a run is open.
    if (run && run.source === source && (this.dense ? offset === expected : !this.runBroken)) run.end = offset;
    else {
      if (run) this.selected[run.source].push(toBigOffset(run.start), toBigOffset(run.end));
      this.run = { source, start: offset, end: offset };
    }
    this.runBroken = false;
    if (this.lastSource !== source) {
      if (this.lastSource === undefined) this.firstSource = source;
      else if (++this.switches === 1) this.cutover = this.lastServed;
      this.lastSource = source;
    }
    this.lastServed = offset;
    const { counts } = this;
    counts.records++;
    if (source === 'EB') counts.from_eb++;
    else counts.from_archive++;
    // The cursor only passes records of this slice's topic/partition, with canonical offsets.
    this.evidence.add(record.offset, source, record.payload_hash);
  }

  /** Both sources hold `offset`: compare what they recorded. */
  compare(offset: Offset, ebHash: string, archiveHash: string): void {
    if (ebHash === archiveHash) return;
    this.mismatch('REPLAY_BASIS_MISMATCH', offset, { eb_payload_hash: ebHash, archive_payload_hash: archiveHash });
  }

  /** One source repeated `offset` with another hash. */
  duplicateMismatch(source: ReplaySourceName, offset: Offset, first: string, second: string): void {
    this.mismatch('REPLAY_DUPLICATE_OFFSET_MISMATCH', offset, { source, first_payload_hash: first, second_payload_hash: second });
  }

  private mismatch(
    code: 'REPLAY_BASIS_MISMATCH' | 'REPLAY_DUPLICATE_OFFSET_MISMATCH',
    offset: Offset,
    details: Record<string, string>,
  ): void {
    this.counts.mismatches++;
    const where = this.where(offset, offset);
    this.anomalies.add(code, () => ({ code, ...where, details }));
    if (this.training) {
      throw new OfsError('REPLAY_BASIS_MISMATCH', {
        message: `payload hashes differ at ${where.topic}/${where.partition}@${where.start} (${code}); a training build cannot continue`,
        details: { ...where, anomaly: code, ...details },
      });
    }
  }

  /** `[a, b]` was not served: split it into holes in coverage and gaps inside it. */
  private unserved(a: bigint, b: bigint): void {
    const uncovered = this.coverage.uncovered;
    while (this.uncoveredIndex < uncovered.length && uncovered[this.uncoveredIndex]!.end < a) this.uncoveredIndex++;
    let cursor = a;
    for (let k = this.uncoveredIndex; k < uncovered.length && uncovered[k]!.start <= b; k++) {
      const hole = uncovered[k]!;
      const start = hole.start > a ? hole.start : a;
      const end = hole.end < b ? hole.end : b;
      if (start > cursor) this.gap(cursor, start - 1n);
      this.missing.push(start, end);
      this.runBroken = true;
      const where = this.where(start, end);
      this.anomalies.add('REPLAY_BASIS_UNCOVERED', () => ({ code: 'REPLAY_BASIS_UNCOVERED', ...where, details: {} }));
      cursor = end + 1n;
    }
    if (cursor <= b) this.gap(cursor, b);
  }

  /** Covered but unobserved: missing for dense kinds, normal for sparse ones. */
  private gap(a: bigint, b: bigint): void {
    if (!this.dense) return;
    this.gaps++;
    this.missing.push(a, b);
    const where = this.where(a, b);
    this.anomalies.add('REPLAY_BASIS_GAP', () => ({ code: 'REPLAY_BASIS_GAP', ...where, details: {} }));
    if (this.training) {
      throw new OfsError('REPLAY_INCOMPLETE', {
        message: `offsets ${where.start}..${where.end} of ${where.topic}/${where.partition} (${where.offset_kind}) are covered but were not observed`,
        details: where,
      });
    }
  }

  /** Accounts for the tail of the slice and returns its receipt entry. */
  finish(): ReplaySliceReceipt {
    const { parsed, eb, archive, uncovered, density } = this.coverage;
    const next = toBigOffset(this.next);
    if (next <= parsed.end) this.unserved(next, parsed.end);
    this.next = nextOffset(typeof this.next === 'number' ? Number(parsed.end) : parsed.end);
    if (this.run) this.selected[this.run.source].push(toBigOffset(this.run.start), toBigOffset(this.run.end));
    this.run = undefined;
    const status: ReplayStatus =
      uncovered.length > 0
        ? 'UNSATISFIABLE'
        : this.gaps > 0 || this.counts.mismatches > 0
          ? 'INCOMPLETE'
          : eb === null || archive === null || density === 'unknown'
            ? 'UNCHECKABLE'
            : 'COMPLETE';
    const ebSelected = this.selected.EB.finish();
    const archiveSelected = this.selected.ARCHIVE.finish();
    const missing = this.missing.finish();
    return {
      topic: parsed.slice.topic,
      partition: parsed.slice.partition,
      offset_kind: parsed.slice.offset_kind,
      start_offset: parsed.slice.start_offset,
      end_offset: parsed.slice.end_offset,
      status,
      mode: this.mode(),
      cutover_offset: this.switches === 1 && this.cutover !== undefined ? String(this.cutover) : null,
      eb_coverage: eb === null ? null : toWireRanges(eb),
      archive_coverage: archive === null ? null : toWireRanges(archive),
      selected: { eb: ebSelected, archive: archiveSelected },
      missing,
      missing_offsets: this.missing.offsets.toString(),
      ranges_truncated: this.missing.truncated || this.selected.EB.truncated || this.selected.ARCHIVE.truncated,
      counts: { ...this.counts },
    };
  }

  private mode(): ReplayMode {
    if (this.firstSource === undefined) return 'NONE';
    if (this.switches === 0) return this.firstSource === 'EB' ? 'EB_ONLY' : 'ARCHIVE_ONLY';
    if (this.switches === 1) return this.firstSource === 'EB' ? 'EB_THEN_ARCHIVE' : 'ARCHIVE_THEN_EB';
    return 'MIXED';
  }
}

/** Orders replay statuses worst first: a proven hole beats a proven gap beats an unknown. */
export const STATUS_RANK: Readonly<Record<ReplayStatus, number>> = { UNSATISFIABLE: 3, INCOMPLETE: 2, UNCHECKABLE: 1, COMPLETE: 0 };
