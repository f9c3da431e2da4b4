import { type AbortOptions, OFFSET_KINDS, type ReplaySource, toOfsError } from '@ofs/contracts';
import type { ParsedSlice } from './basis.js';
import { type BigRange, parseCoverage, subtractRanges, unionRanges } from './offsets.js';

/** How completeness is judged for an offset kind: dense kinds must show every offset; sparse kinds may have gaps. */
export type OffsetDensity = 'dense' | 'sparse' | 'unknown';

/** The density of `offsetKind`; `unknown` for kinds the corridor does not know (completeness is then UNCHECKABLE). */
export function densityOf(offsetKind: string): OffsetDensity {
  return Object.hasOwn(OFFSET_KINDS, offsetKind) ? OFFSET_KINDS[offsetKind as keyof typeof OFFSET_KINDS] : 'unknown';
}

/** What the two sources declare for one slice, before any record is read. */
export interface SliceCoverage {
  readonly parsed: ParsedSlice;
  readonly density: OffsetDensity;
  /** EB coverage clipped to the slice; `null` when EB cannot tell. */
  readonly eb: BigRange[] | null;
  /** Archive coverage clipped to the slice; `null` when the Archive cannot tell. */
  readonly archive: BigRange[] | null;
  /** Offsets of the slice neither source covers (`[]` when a coverage is unknown: nothing is proven). */
  readonly uncovered: BigRange[];
}

async function ask(source: ReplaySource, name: string, parsed: ParsedSlice, options?: AbortOptions): Promise<BigRange[] | null> {
  let declared: Awaited<ReturnType<ReplaySource['coverage']>>;
  try {
    declared = await source.coverage(parsed.slice, options);
  } catch (error) {
    throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', `${name} coverage of ${parsed.slice.topic}/${parsed.slice.partition}`);
  }
  return declared === null ? null : parseCoverage(declared, parsed.start, parsed.end, name);
}

/** Asks both sources for their coverage of `parsed` and derives what neither covers. */
export async function loadSliceCoverage(
  parsed: ParsedSlice,
  eb: ReplaySource,
  archive: ReplaySource,
  options?: AbortOptions,
): Promise<SliceCoverage> {
  const [ebCoverage, archiveCoverage] = await Promise.all([ask(eb, 'EB', parsed, options), ask(archive, 'Archive', parsed, options)]);
  const whole = [{ start: parsed.start, end: parsed.end }];
  const uncovered =
    ebCoverage === null || archiveCoverage === null
      ? []
      : subtractRanges(whole, unionRanges(ebCoverage, archiveCoverage, parsed.start, parsed.end));
  return { parsed, density: densityOf(parsed.slice.offset_kind), eb: ebCoverage, archive: archiveCoverage, uncovered };
}
