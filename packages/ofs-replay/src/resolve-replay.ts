import {
  type AbortOptions,
  type BuildPlan,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  type ReplayReceipt,
  type ReplayRecord,
  type ReplaySource,
} from '@ofs/contracts';
import { parseReplayBasis } from './basis.js';
import type { SliceCoverage } from './coverage.js';
import { toWireRanges } from './offsets.js';
import { type OffsetMode, ReplayIterator } from './replay-iterator.js';

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
 * two sources are merged in offset order (streaming; plain-number offsets when the slice ends at
 * or below 2^53 − 1, BigInt beyond, with identical results): EB serves every offset inside its
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
  return resolveReplayWith(plan, deps, options, 'auto');
}

/**
 * `resolveReplay` with the offset representation chosen explicitly (internal: the tests replay
 * the same inputs with `bigint` and `auto` and compare records and receipts).
 */
export function resolveReplayWith(plan: BuildPlan, deps: ReplayDeps, options: AbortOptions, offsetMode: OffsetMode): ReplayResolution {
  const parsed = parseReplayBasis(plan.replay_basis);
  const limit = deps.policy.anomaly_list_limit ?? 1_000;
  const training = plan.training_posture === 'TRAINING';

  let resolveReceipt!: (receipt: ReplayReceipt) => void;
  let rejectReceipt!: (error: unknown) => void;
  const receipt = new Promise<ReplayReceipt>((resolve, reject) => {
    resolveReceipt = resolve;
    rejectReceipt = reject;
  });
  // The caller may never look at the receipt (e.g. after the stream failed): that must not be
  // an unhandled rejection. Awaiting `receipt` still sees the rejection.
  receipt.catch(() => {});

  let started = false;
  const records: AsyncIterable<ReplayRecord> = {
    [Symbol.asyncIterator]() {
      if (started) throw new OfsError('INTERNAL_ERROR', { message: 'resolveReplay records can be iterated only once' });
      started = true;
      return new ReplayIterator({
        plan,
        deps,
        parsed,
        limit,
        training,
        signal: options.signal,
        resolveReceipt,
        rejectReceipt,
        offsetMode,
        checkCoverage: (coverages) => {
          if (training) assertTrainingCoverage(coverages, limit);
        },
      });
    },
  };
  return { records, receipt };
}
