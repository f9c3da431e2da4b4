import { isCanonicalDecimal, OfsError, type OffsetRange, type OfsErrorCode } from '@ofs/contracts';

/** An inclusive offset range as BigInts (Kinesis sequence numbers have 56 digits). */
export interface BigRange {
  start: bigint;
  end: bigint;
}

/** Parses a canonical decimal offset, or throws `code`. */
export function parseOffset(text: unknown, what: string, code: OfsErrorCode): bigint {
  if (typeof text !== 'string' || !isCanonicalDecimal(text)) {
    throw new OfsError(code, {
      message: `${what} ${JSON.stringify(text)} is not a canonical decimal offset`,
      details: { offset: String(text) },
    });
  }
  return BigInt(text);
}

/** The wire form `{ start, end }` (decimal strings) of BigInt ranges. */
export function toWireRanges(ranges: readonly BigRange[]): OffsetRange[] {
  return ranges.map((r) => ({ start: r.start.toString(), end: r.end.toString() }));
}

/** Sorts, merges overlapping or adjacent ranges and clips them to `[lo, hi]`. */
export function normalizeRanges(ranges: readonly BigRange[], lo: bigint, hi: bigint): BigRange[] {
  const clipped = ranges
    .map((r) => ({ start: r.start < lo ? lo : r.start, end: r.end > hi ? hi : r.end }))
    .filter((r) => r.start <= r.end)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: BigRange[] = [];
  for (const r of clipped) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/**
 * Parses a source's declared coverage (wire ranges) and normalises it to the slice `[lo, hi]`.
 * A malformed range is the source breaking its contract: `REPLAY_RECORD_INVALID`.
 */
export function parseCoverage(ranges: readonly OffsetRange[], lo: bigint, hi: bigint, source: string): BigRange[] {
  if (!Array.isArray(ranges)) {
    throw new OfsError('REPLAY_RECORD_INVALID', { message: `${source} coverage is not an array of ranges`, details: { source } });
  }
  const parsed = ranges.map((r) => {
    const start = parseOffset(r?.start, `${source} coverage start`, 'REPLAY_RECORD_INVALID');
    const end = parseOffset(r?.end, `${source} coverage end`, 'REPLAY_RECORD_INVALID');
    if (start > end) {
      throw new OfsError('REPLAY_RECORD_INVALID', {
        message: `${source} coverage range ${start}..${end} is reversed`,
        details: { source },
      });
    }
    return { start, end };
  });
  return normalizeRanges(parsed, lo, hi);
}

/** `a \ b` for normalised range lists. */
export function subtractRanges(a: readonly BigRange[], b: readonly BigRange[]): BigRange[] {
  const out: BigRange[] = [];
  let j = 0;
  for (const r of a) {
    let start = r.start;
    while (j < b.length && b[j]!.end < start) j++;
    let k = j;
    while (k < b.length && b[k]!.start <= r.end && start <= r.end) {
      const cut = b[k]!;
      if (cut.start > start) out.push({ start, end: cut.start - 1n });
      if (cut.end + 1n > start) start = cut.end + 1n;
      k++;
    }
    if (start <= r.end) out.push({ start, end: r.end });
  }
  return out;
}

/** `a ∪ b` for normalised range lists. */
export function unionRanges(a: readonly BigRange[], b: readonly BigRange[], lo: bigint, hi: bigint): BigRange[] {
  return normalizeRanges([...a, ...b], lo, hi);
}

/** Number of offsets in a list of disjoint ranges. */
export function countOffsets(ranges: readonly BigRange[]): bigint {
  let n = 0n;
  for (const r of ranges) n += r.end - r.start + 1n;
  return n;
}
