import { type AbortOptions, type BuildPlan, type OffsetRange, type ReplaySource, throwIfAborted } from '@ofs/contracts';
import { parseReplayBasis } from './basis.js';
import { loadSliceCoverage } from './coverage.js';
import { subtractRanges, toWireRanges } from './offsets.js';

/** What coverage alone says about a replay, best first. */
export type FeasibilityStatus = 'FEASIBLE_EB_ONLY' | 'FEASIBLE_REQUIRES_ARCHIVE' | 'UNCHECKABLE' | 'INFEASIBLE';

/** Feasibility of one slice. */
export interface SliceFeasibility {
  readonly topic: string;
  readonly partition: number;
  readonly offset_kind: string;
  readonly start_offset: string;
  readonly end_offset: string;
  readonly status: FeasibilityStatus;
  /** Declared coverage clipped to the slice; `null` when the source cannot tell. */
  readonly eb_coverage: OffsetRange[] | null;
  readonly archive_coverage: OffsetRange[] | null;
  /** Offsets neither source covers (empty when a coverage is unknown). */
  readonly uncovered: OffsetRange[];
}

/** Feasibility of a plan's replay basis. */
export interface Feasibility {
  /** The worst slice status (`INFEASIBLE` > `UNCHECKABLE` > `FEASIBLE_REQUIRES_ARCHIVE` > `FEASIBLE_EB_ONLY`). */
  readonly status: FeasibilityStatus;
  /** In `plan.replay_basis` order. */
  readonly slices: SliceFeasibility[];
}

const RANK: Readonly<Record<FeasibilityStatus, number>> = {
  FEASIBLE_EB_ONLY: 0,
  FEASIBLE_REQUIRES_ARCHIVE: 1,
  UNCHECKABLE: 2,
  INFEASIBLE: 3,
};

/**
 * Answers from coverage alone — no record is read — whether `resolveReplay` can be complete:
 * `INFEASIBLE` when part of a slice lies outside both sources' coverage (replay would be
 * `UNSATISFIABLE`), `UNCHECKABLE` when a source cannot tell its coverage or the offset kind is
 * unknown, else whether the Archive is needed. Dense gaps can only be found by reading, so
 * feasible is necessary, not sufficient, for `COMPLETE`.
 */
export async function feasibility(
  plan: Pick<BuildPlan, 'replay_basis'>,
  sources: { readonly eb: ReplaySource; readonly archive: ReplaySource },
  options: AbortOptions = {},
): Promise<Feasibility> {
  const parsed = parseReplayBasis(plan.replay_basis);
  const slices: SliceFeasibility[] = [];
  let worst: FeasibilityStatus = 'FEASIBLE_EB_ONLY';
  for (const p of parsed) {
    throwIfAborted(options.signal);
    const c = await loadSliceCoverage(p, sources.eb, sources.archive, options);
    const whole = [{ start: p.start, end: p.end }];
    const status: FeasibilityStatus =
      c.uncovered.length > 0
        ? 'INFEASIBLE'
        : c.eb === null || c.archive === null || c.density === 'unknown'
          ? 'UNCHECKABLE'
          : subtractRanges(whole, c.eb).length === 0
            ? 'FEASIBLE_EB_ONLY'
            : 'FEASIBLE_REQUIRES_ARCHIVE';
    if (RANK[status] > RANK[worst]) worst = status;
    slices.push({
      topic: p.slice.topic,
      partition: p.slice.partition,
      offset_kind: p.slice.offset_kind,
      start_offset: p.slice.start_offset,
      end_offset: p.slice.end_offset,
      status,
      eb_coverage: c.eb === null ? null : toWireRanges(c.eb),
      archive_coverage: c.archive === null ? null : toWireRanges(c.archive),
      uncovered: toWireRanges(c.uncovered),
    });
  }
  return { status: worst, slices };
}
