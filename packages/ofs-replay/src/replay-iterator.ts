import {
  type BuildPlan,
  OfsError,
  REPLAY_RECEIPT_SCHEMA_VERSION,
  type ReplayCounts,
  type ReplayReceipt,
  type ReplayRecord,
  type ReplaySliceReceipt,
  type ReplayStatus,
  replayReceiptKey,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { writeOnceJson } from '@ofs/ids';
import { AnomalyCollector } from './anomalies.js';
import type { ParsedSlice } from './basis.js';
import { loadSliceCoverage, type SliceCoverage } from './coverage.js';
import { EvidenceWriter } from './evidence-writer.js';
import { MAX_NUMBER_OFFSET } from './offset-number.js';
import { SliceLedger, STATUS_RANK, zeroCounts } from './slice-ledger.js';
import { SourceCursor } from './source-cursor.js';
import type { ReplayDeps } from './resolve-replay.js';

/** Which offset representation a replay may use: `auto` takes numbers for slices ending ≤ 2^53 − 1. */
export type OffsetMode = 'auto' | 'bigint';

/** Everything one replay stream needs; built by `resolveReplay`. */
export interface ReplayStreamInput {
  readonly plan: BuildPlan;
  readonly deps: ReplayDeps;
  readonly parsed: readonly ParsedSlice[];
  readonly limit: number;
  readonly training: boolean;
  readonly signal: AbortSignal | undefined;
  /** Called once with the written receipt. */
  readonly resolveReceipt: (receipt: ReplayReceipt) => void;
  /** Called once with the error that stopped the stream (or `ABORTED`). */
  readonly rejectReceipt: (error: unknown) => void;
  /** Offset representation; `bigint` forces the general path (tests compare both). */
  readonly offsetMode?: OffsetMode;
  /** Assertion run on the coverages before any record is read (training plans). */
  readonly checkCoverage: (coverages: readonly SliceCoverage[]) => void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

function addCounts(total: ReplayCounts, part: ReplayCounts): void {
  for (const key of Object.keys(total) as (keyof ReplayCounts)[]) total[key] += part[key];
}

/**
 * The record stream of `resolveReplay`, as a hand-written async iterator. A record that is already
 * in a source batch is produced synchronously and handed out as a resolved promise; only when a
 * source has to be read (a new batch, the coverage, the receipt write) does `next` go through an
 * async path. Behaves like the async generator it replaces: calls are served in order, an error
 * ends the stream (the receipt rejects with it; the sources are closed first), `return` (a
 * consumer that stops early) closes the sources and rejects the receipt with `ABORTED`.
 */
export class ReplayIterator implements AsyncIterableIterator<ReplayRecord> {
  private started = false;
  private finished = false;
  private settled = false;
  /** Set while `next` waits on a source (or the receipt write); calls made meanwhile queue behind it. */
  private busy: Promise<unknown> | undefined;
  /** What `produce` needs awaited before it can go on. */
  private wait: Promise<void> | undefined;
  private coverages: SliceCoverage[] = [];
  private sliceIndex = -1;
  private readonly sliceReceipts: ReplaySliceReceipt[] = [];
  private readonly anomalies: AnomalyCollector;
  private readonly evidence = new EvidenceWriter();
  private ledger: SliceLedger | undefined;
  private eb: SourceCursor | undefined;
  private ar: SourceCursor | undefined;
  /** The cursors of the current (or last) slice, closed when the stream stops. */
  private cursors: SourceCursor[] = [];
  private advanceEb = false;
  private advanceAr = false;
  private served = 0;

  constructor(private readonly input: ReplayStreamInput) {
    this.anomalies = new AnomalyCollector(input.limit);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next record, or done once the receipt is written. */
  next(): Promise<IteratorResult<ReplayRecord, undefined>> {
    if (this.busy) return this.queue(() => this.next());
    if (this.finished) return Promise.resolve(DONE);
    if (this.wait === undefined) {
      let record: ReplayRecord | undefined;
      try {
        record = this.produce();
      } catch (error) {
        return this.track(this.fail(error));
      }
      if (record !== undefined) return Promise.resolve({ value: record, done: false });
    }
    return this.track(this.nextAfterWaiting());
  }

  /** Stops early: closes the sources; the receipt rejects with `ABORTED` unless it was already settled. */
  return(): Promise<IteratorResult<ReplayRecord, undefined>> {
    if (this.busy) return this.queue(() => this.return());
    return this.track(this.stop());
  }

  private async stop(): Promise<IteratorResult<ReplayRecord, undefined>> {
    if (!this.finished) {
      this.finished = true;
      this.settle(
        new OfsError('ABORTED', { message: 'the replay record stream was closed before it was drained; no receipt was written' }),
      );
      await this.closeCursors();
    }
    return DONE;
  }

  private queue<T>(then: () => Promise<T>): Promise<T> {
    const after = this.busy!.then(then, then);
    return after;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.busy = promise;
    const clear = () => {
      if (this.busy === promise) this.busy = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }

  private async nextAfterWaiting(): Promise<IteratorResult<ReplayRecord, undefined>> {
    try {
      for (;;) {
        const wait = this.wait;
        if (wait !== undefined) {
          await wait;
          this.wait = undefined;
        }
        if (this.finished) return DONE;
        const record = this.produce();
        if (record !== undefined) return { value: record, done: false };
      }
    } catch (error) {
      return this.fail(error);
    }
  }

  /**
   * Moves the merge on synchronously: returns the next record, or `undefined` with `wait` set (a
   * source read, the coverage, the receipt write) or the stream finished.
   */
  private produce(): ReplayRecord | undefined {
    const { signal } = this.input;
    for (;;) {
      if (this.wait !== undefined || this.finished) return undefined;
      if (!this.started) {
        this.started = true;
        this.wait = this.loadCoverage();
        continue;
      }
      const eb = this.eb;
      const ar = this.ar;
      const ledger = this.ledger;
      if (eb === undefined || ar === undefined || ledger === undefined) {
        this.openNextSlice();
        continue;
      }
      // Advances are made lazily, when the next record is asked for, like the generator did.
      if (this.advanceEb) {
        this.advanceEb = false;
        this.wait = eb.advance();
        if (this.wait !== undefined) continue;
      }
      if (this.advanceAr) {
        this.advanceAr = false;
        this.wait = ar.advance();
        if (this.wait !== undefined) continue;
      }
      const e = eb.head;
      const a = ar.head;
      if (e === undefined && a === undefined) {
        this.sliceReceipts.push(ledger.finish());
        this.eb = this.ar = this.ledger = undefined;
        continue;
      }
      if ((++this.served & 4095) === 0) throwIfAborted(signal);
      if (e !== undefined && (a === undefined || eb.headOffset < ar.headOffset)) {
        ledger.serve(e, eb.headOffset, 'EB');
        this.advanceEb = true;
        return e;
      }
      if (e === undefined || ar.headOffset < eb.headOffset) {
        ledger.serve(a!, ar.headOffset, 'ARCHIVE');
        this.advanceAr = true;
        return a!;
      }
      ledger.compare(eb.headOffset, e.payload_hash, a!.payload_hash);
      ledger.serve(e, eb.headOffset, 'EB');
      this.advanceEb = true;
      this.advanceAr = true;
      return e;
    }
  }

  private async loadCoverage(): Promise<void> {
    const { parsed, deps, signal } = this.input;
    throwIfAborted(signal);
    for (const p of parsed) this.coverages.push(await loadSliceCoverage(p, deps.eb, deps.archive, signal ? { signal } : undefined));
    this.input.checkCoverage(this.coverages);
  }

  private openNextSlice(): void {
    const { deps, signal, limit, training } = this.input;
    const coverage = this.coverages[++this.sliceIndex];
    if (coverage === undefined) {
      this.wait = this.writeReceipt();
      return;
    }
    throwIfAborted(signal);
    const { parsed: p } = coverage;
    const numberOffsets = this.input.offsetMode !== 'bigint' && p.end <= MAX_NUMBER_OFFSET;
    const whole = [{ start: p.start, end: p.end }];
    const ledger = new SliceLedger(coverage, this.anomalies, this.evidence, training, limit, numberOffsets);
    const cursor = (name: 'EB' | 'ARCHIVE') =>
      new SourceCursor(
        name,
        name === 'EB' ? deps.eb : deps.archive,
        p.slice,
        (name === 'EB' ? coverage.eb : coverage.archive) ?? whole,
        ledger.counts,
        (o, a, b) => ledger.duplicateMismatch(name, o, a, b),
        signal,
        numberOffsets,
      );
    this.ledger = ledger;
    this.eb = cursor('EB');
    this.ar = cursor('ARCHIVE');
    this.cursors = [this.eb, this.ar];
    this.advanceEb = true;
    this.advanceAr = true;
  }

  private async writeReceipt(): Promise<void> {
    const { plan, deps, signal } = this.input;
    const totals = zeroCounts();
    let status: ReplayStatus = 'COMPLETE';
    for (const s of this.sliceReceipts) {
      addCounts(totals, s.counts);
      if (STATUS_RANK[s.status] > STATUS_RANK[status]) status = s.status;
    }
    const result: ReplayReceipt = {
      schema_version: REPLAY_RECEIPT_SCHEMA_VERSION,
      plan_id: plan.plan_id,
      platform_run_id: plan.platform_run_id,
      basis_hash: plan.basis_hash,
      training_posture: plan.training_posture,
      status,
      evidence_digest: this.evidence.digestHex(),
      slices: this.sliceReceipts,
      totals,
      anomalies: this.anomalies.finish(),
    };
    throwIfAborted(signal);
    await writeOnceJson(deps.store, replayReceiptKey(plan.platform_run_id, plan.plan_id), result, signal ? { signal } : undefined);
    this.settled = true;
    this.input.resolveReceipt(result);
    await this.closeCursors();
    this.finished = true;
  }

  /** Ends the stream with `error`: the receipt rejects with it, the sources are closed, then it is thrown. */
  private async fail(error: unknown): Promise<never> {
    const failure = toOfsError(error, 'INTERNAL_ERROR', 'replay');
    this.finished = true;
    this.settle(failure);
    await this.closeCursors();
    throw failure;
  }

  private settle(failure: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.input.rejectReceipt(failure);
  }

  private async closeCursors(): Promise<void> {
    const cursors = this.cursors;
    this.cursors = [];
    for (const cursor of cursors) await cursor.close();
  }
}
