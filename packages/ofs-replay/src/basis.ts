import { compareCodePoints, isCanonicalDecimal, type Problem, type ReplaySlice, throwProblems } from '@ofs/contracts';

/** A slice with its offsets parsed. */
export interface ParsedSlice {
  readonly slice: ReplaySlice;
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Checks a plan's replay basis before any read: canonical offsets (`OFFSET_NOT_CANONICAL`),
 * `start <= end` (`OFFSET_RANGE_INVALID`), and no two slices of one topic/partition overlapping
 * (`BASIS_SLICES_OVERLAP`), so every offset belongs to at most one slice and is served at most once.
 * The plan stage enforces the same at intent time; this guards hand-built plans.
 */
export function parseReplayBasis(basis: readonly ReplaySlice[]): ParsedSlice[] {
  const problems: Problem[] = [];
  const parsed: ParsedSlice[] = [];
  if (!Array.isArray(basis) || basis.length === 0) {
    throwProblems(
      [{ path: '/replay_basis', code: 'BASIS_UNRESOLVED', message: 'replay_basis must list at least one slice' }],
      'replay basis',
    );
  }
  basis.forEach((slice, i) => {
    const path = `/replay_basis/${i}`;
    if (typeof slice?.topic !== 'string' || slice.topic === '' || typeof slice.offset_kind !== 'string' || slice.offset_kind === '') {
      problems.push({ path, code: 'BASIS_UNRESOLVED', message: 'slice lacks topic or offset_kind' });
      return;
    }
    if (!Number.isSafeInteger(slice.partition) || slice.partition < 0) {
      problems.push({ path: `${path}/partition`, code: 'BASIS_UNRESOLVED', message: 'partition must be a whole number ≥ 0' });
      return;
    }
    let ok = true;
    for (const key of ['start_offset', 'end_offset'] as const) {
      if (typeof slice[key] !== 'string' || !isCanonicalDecimal(slice[key])) {
        problems.push({
          path: `${path}/${key}`,
          code: 'OFFSET_NOT_CANONICAL',
          message: `${key} ${JSON.stringify(slice[key])} is not canonical`,
        });
        ok = false;
      }
    }
    if (!ok) return;
    const start = BigInt(slice.start_offset);
    const end = BigInt(slice.end_offset);
    if (start > end) {
      problems.push({ path, code: 'OFFSET_RANGE_INVALID', message: `start_offset ${start} is greater than end_offset ${end}` });
      return;
    }
    parsed.push({ slice, start, end });
  });
  const byPartition = [...parsed].sort(
    (a, b) =>
      compareCodePoints(a.slice.topic, b.slice.topic) ||
      a.slice.partition - b.slice.partition ||
      (a.start < b.start ? -1 : a.start > b.start ? 1 : 0),
  );
  let prev: ParsedSlice | undefined;
  for (const b of byPartition) {
    if (prev && prev.slice.topic === b.slice.topic && prev.slice.partition === b.slice.partition && b.start <= prev.end) {
      problems.push({
        path: `/replay_basis/${basis.indexOf(b.slice)}`,
        code: 'BASIS_SLICES_OVERLAP',
        message: `${b.slice.topic}/${b.slice.partition} ${b.start}..${b.end} overlaps ${prev.start}..${prev.end}`,
      });
      if (b.end <= prev.end) continue;
    }
    prev = b;
  }
  throwProblems(problems, 'replay basis');
  return parsed;
}
