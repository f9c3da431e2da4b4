import {
  type AbortOptions,
  type BuildPlan,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  REPLAY_RECEIPT_SCHEMA_VERSION,
  type ReplayCounts,
  type ReplayReceipt,
  type ReplayRecord,
  type ReplaySliceReceipt,
  type ReplaySource,
  type ReplayStatus,
  replayReceiptKey,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { createEvidenceDigest, writeOnceJson } from '@ofs/ids';
import { AnomalyCollector } from './anomalies.js';
import { parseReplayBasis } from './basis.js';
import { loadSliceCoverage, type SliceCoverage } from './coverage.js';
import { toWireRanges } from './offsets.js';
import { SliceLedger, STATUS_RANK, zeroCounts } from './slice-ledger.js';
import { SourceCursor } from './source-cursor.js';

/** The ports and policy `resolveReplay` needs. */
export interface ReplayDeps {
  /** The event bus: serves every offset inside its coverage. */
  readonly eb: ReplaySource;
  /** The Archive: serves offsets outside EB coverage; compared with EB where both hold an offset. */
  readonly archive: ReplaySource;
  /** Only `anomaly_list_limit` is read: the cap on listed anomalies and on each receipt range list. */
  readonly policy: Pick<OfsPolicy, 'anomaly_list_limit'>;
  /** Where the receipt is written, write-once. */
  readonly store: ObjectStore;
}

/** The replay of a plan: the record stream and the receipt it proves. */
export interface ReplayResolution {
  /**
   * Every chosen record, in `plan.replay_basis` order and ascending offset within a slice. Can be
   * iterated once. Draining it writes the receipt; it throws what the receipt promise rejects with.
   */
  readonly records: AsyncIterable<ReplayRecord>;
  /**
   * Resolves to the written receipt once `records` is drained; rejects with the error that stopped
   * the stream (`ABORTED` when the consumer stopped early). Never an unhandled rejection.
   */
  readonly receipt: Promise<ReplayReceipt>;
}

function addCounts(total: ReplayCounts, part: ReplayCounts): void {
  for (const key of Object.keys(total) as (keyof ReplayCounts)[]) total[key] += part[key];
}

function sliceLabel(c: SliceCoverage) {
  const { slice } = c.parsed;
  return { topic: slice.topic, partition: slice.partition, offset_kind: slice.offset_kind };
}

/**
 * Fails a training build before any record is read when coverage alone already proves the
 * outcome: a hole in coverage (`REPLAY_UNSATISFIABLE`) or a source or offset kind that cannot be
 * checked (`REPLAY_UNCHECKABLE`). Non-training builds read on and record the status instead.
 */
export function assertTrainingCoverage(coverages: readonly SliceCoverage[], limit: number): void {
  const holes = coverages.filter((c) => c.uncovered.length > 0);
  if (holes.length > 0) {
    throw new OfsError('REPLAY_UNSATISFIABLE', {
      message: `${holes.length} slice(s) ask for offsets neither EB nor Archive covers; a training build cannot be complete`,
      details: { slices: holes.slice(0, limit).map((c) => ({ ...sliceLabel(c), uncovered: toWireRanges(c.uncovered.slice(0, limit)) })) },
    });
  }
  const unknown = coverages.filter((c) => c.eb === null || c.archive === null || c.density === 'unknown');
  if (unknown.length > 0) {
    throw new OfsError('REPLAY_UNCHECKABLE', {
      message: `${unknown.length} slice(s) cannot be checked for completeness (a source cannot tell its coverage, or the offset kind is unknown)`,
      details: {
        slices: unknown.slice(0, limit).map((c) => ({
          ...sliceLabel(c),
          eb_coverage_known: c.eb !== null,
          archive_coverage_known: c.archive !== null,
          offset_density: c.density,
        })),
      },
    });
  }
}

/**
 * Replays `plan.replay_basis` from EB and Archive as one logical stream (DESIGN §7). Per slice, the
 * two sources are merged in offset order (BigInt, streaming): EB serves every offset inside its
 * coverage, the Archive the rest; where both hold an offset the payload hashes are compared.
 * Completeness is accounted from the very records emitted, so the receipt proves the stream.
 *
 * Failure policy (law 6):
 * - a training plan (`training_posture: TRAINING`) fails before reading when coverage proves it
 *   `REPLAY_UNSATISFIABLE` or `REPLAY_UNCHECKABLE`, and while reading at the first payload
 *   mismatch (`REPLAY_BASIS_MISMATCH`) or the first dense gap (`REPLAY_INCOMPLETE`); no receipt
 *   is written, so a retry after the sources are fixed can still write one;
 * - a non-training plan never fails on completeness: the stream runs to the end and the receipt
 *   carries `INCOMPLETE`, `UNSATISFIABLE` or `UNCHECKABLE` for publication to gate.
 *
 * Throws synchronously when the basis itself is invalid (`OFFSET_NOT_CANONICAL`,
 * `OFFSET_RANGE_INVALID`, `BASIS_SLICES_OVERLAP`).
 */
export function resolveReplay(plan: BuildPlan, deps: ReplayDeps, options: AbortOptions = {}): ReplayResolution {
  const parsed = parseReplayBasis(plan.replay_basis);
  const limit = deps.policy.anomaly_list_limit ?? 1_000;
  const training = plan.training_posture === 'TRAINING';
  const { signal } = options;

  let resolveReceipt!: (receipt: ReplayReceipt) => void;
  let rejectReceipt!: (error: unknown) => void;
  const receipt = new Promise<ReplayReceipt>((resolve, reject) => {
    resolveReceipt = resolve;
    rejectReceipt = reject;
  });
  // The caller may never look at the receipt (e.g. after the stream failed): that must not be
  // an unhandled rejection. Awaiting `receipt` still sees the rejection.
  receipt.catch(() => {});

  async function* stream(): AsyncGenerator<ReplayRecord> {
    let settled = false;
    const cursors: SourceCursor[] = [];
    try {
      throwIfAborted(signal);
      const coverages: SliceCoverage[] = [];
      for (const p of parsed) coverages.push(await loadSliceCoverage(p, deps.eb, deps.archive, signal ? { signal } : undefined));
      if (training) assertTrainingCoverage(coverages, limit);

      const anomalies = new AnomalyCollector(limit);
      const evidence = createEvidenceDigest();
      const sliceReceipts: ReplaySliceReceipt[] = [];
      for (const coverage of coverages) {
        throwIfAborted(signal);
        const { parsed: p } = coverage;
        const whole = [{ start: p.start, end: p.end }];
        const ledger = new SliceLedger(coverage, anomalies, evidence, training, limit);
        const eb = new SourceCursor(
          'EB',
          deps.eb,
          p.slice,
          coverage.eb ?? whole,
          ledger.counts,
          (o, a, b) => ledger.duplicateMismatch('EB', o, a, b),
          signal,
        );
        const ar = new SourceCursor(
          'ARCHIVE',
          deps.archive,
          p.slice,
          coverage.archive ?? whole,
          ledger.counts,
          (o, a, b) => ledger.duplicateMismatch('ARCHIVE', o, a, b),
          signal,
        );
        cursors.length = 0;
        cursors.push(eb, ar);
        await eb.advance();
        await ar.advance();
        let n = 0;
        let wait: Promise<void> | undefined;
        while (eb.head !== undefined || ar.head !== undefined) {
          if ((++n & 4095) === 0) throwIfAborted(signal);
          const e = eb.head;
          const a = ar.head;
          if (e !== undefined && (a === undefined || eb.headOffset < ar.headOffset)) {
            ledger.serve(e, eb.headOffset, 'EB');
            yield e;
            if ((wait = eb.advance())) await wait;
          } else if (e === undefined || ar.headOffset < eb.headOffset) {
            ledger.serve(a!, ar.headOffset, 'ARCHIVE');
            yield a!;
            if ((wait = ar.advance())) await wait;
          } else {
            ledger.compare(eb.headOffset, e.payload_hash, a!.payload_hash);
            ledger.serve(e, eb.headOffset, 'EB');
            yield e;
            if ((wait = eb.advance())) await wait;
            if ((wait = ar.advance())) await wait;
          }
        }
        sliceReceipts.push(ledger.finish());
      }

      const totals = zeroCounts();
      let status: ReplayStatus = 'COMPLETE';
      for (const s of sliceReceipts) {
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
        evidence_digest: evidence.digestHex(),
        slices: sliceReceipts,
        totals,
        anomalies: anomalies.finish(),
      };
      throwIfAborted(signal);
      await writeOnceJson(deps.store, replayReceiptKey(plan.platform_run_id, plan.plan_id), result, signal ? { signal } : undefined);
      settled = true;
      resolveReceipt(result);
    } catch (error) {
      const failure = toOfsError(error, 'INTERNAL_ERROR', 'replay');
      settled = true;
      rejectReceipt(failure);
      throw failure;
    } finally {
      if (!settled) {
        rejectReceipt(
          new OfsError('ABORTED', { message: 'the replay record stream was closed before it was drained; no receipt was written' }),
        );
      }
      for (const cursor of cursors) await cursor.close();
    }
  }

  let started = false;
  const records: AsyncIterable<ReplayRecord> = {
    [Symbol.asyncIterator]() {
      if (started) throw new OfsError('INTERNAL_ERROR', { message: 'resolveReplay records can be iterated only once' });
      started = true;
      return stream();
    },
  };
  return { records, receipt };
}
