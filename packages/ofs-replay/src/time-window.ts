import {
  type AbortOptions,
  canonicalInstant,
  compareDecimal,
  type Instant,
  OfsError,
  type OffsetRange,
  parseInstant,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
  type TimeIndexChunk,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';

/** The rule a time window is resolved with (docs/decisions.md D58). */
export const TIME_WINDOW_RULE = 'ofs.time_window.watermark.v1';

/** A time-window selector: the events of `topic` whose partition watermark lies in `[start_utc, end_utc)`. */
export interface TimeWindowSelector {
  readonly topic: string;
  /** Offset kind of the topic's partitions (default `kafka_offset`). */
  readonly offset_kind?: string;
  /** Inclusive start, RFC 3339 with a zone. */
  readonly start_utc: string;
  /** Exclusive end, RFC 3339 with a zone. */
  readonly end_utc: string;
  /** Partitions to resolve; default: every partition the sources hold (`partitions()`). */
  readonly partitions?: readonly number[];
}

/** One partition's resolution. */
export interface PartitionWindow {
  readonly partition: number;
  /** `RESOLVED`: the offsets `[start_offset, end_offset]`; `EMPTY`: no offset of this partition is in the window. */
  readonly status: 'RESOLVED' | 'EMPTY';
  readonly start_offset: string | null;
  readonly end_offset: string | null;
  /** Records in the range whose own `ts_utc` is before the window start (late events the watermark rule keeps). */
  readonly late_records: number;
  /** Records read to resolve it (the index spares the rest). */
  readonly records_read: number;
}

/** What `resolveTimeWindow` answers: the canonical selector, the rule, per-partition ranges and the offset slices. */
export interface TimeWindowResolution {
  readonly rule: typeof TIME_WINDOW_RULE;
  readonly selector: { topic: string; offset_kind: string; start_utc: string; end_utc: string };
  readonly partitions: PartitionWindow[];
  /** The resolved offset slices, ascending by partition (none for EMPTY partitions). */
  readonly slices: ReplaySlice[];
  /** `true` when no partition has an event in the window: an explicit empty result, never an empty dataset. */
  readonly empty: boolean;
}

/** The largest offset any kind uses, as an upper bound for ranges. */
const MAX_OFFSET = '9'.repeat(80);

/**
 * Resolves a time window to per-partition offset ranges before submission (DESIGN §12, law 1),
 * from the sources' own time indexes (`ReplaySource.timeIndex`) and as few records as they allow.
 *
 * The rule (`ofs.time_window.watermark.v1`, D58): an offset belongs to the window when its
 * partition **watermark** — the largest `ts_utc` among that offset and every earlier one the
 * sources hold — lies in `[start, end)`. The watermark never decreases, so each partition gives
 * one contiguous offset range; with events in time order it is exactly "`ts_utc` in the window",
 * and a late event goes with the window its partition was in when it arrived (counted as
 * `late_records`). Deterministic: the same held records give the same offsets, in any call order.
 *
 * Fails closed (`TIME_WINDOW_UNPROVABLE`) when a source that holds the partition has no time index
 * or cannot prove the times of a chunk, when partitions are not named and a source cannot list
 * them, or when a record's `ts_utc` is not an instant. A bad selector is `TIME_WINDOW_INVALID`.
 */
export async function resolveTimeWindow(
  selector: TimeWindowSelector,
  sources: { readonly eb: ReplaySource; readonly archive: ReplaySource },
  options: AbortOptions = {},
): Promise<TimeWindowResolution> {
  const canonical = checkSelector(selector);
  const start = parseInstant(canonical.start_utc) as Instant;
  const end = parseInstant(canonical.end_utc) as Instant;
  const named = [
    ['EB', sources.eb],
    ['Archive', sources.archive],
  ] as const;
  const partitions = selector.partitions
    ? [...new Set(selector.partitions)].sort((a, b) => a - b)
    : await listPartitions(canonical, named, options);
  const results: PartitionWindow[] = [];
  for (const partition of partitions) {
    throwIfAborted(options.signal);
    results.push(await resolvePartition(canonical, partition, start, end, named, options));
  }
  const slices = results
    .filter((p) => p.status === 'RESOLVED')
    .map((p) => ({
      topic: canonical.topic,
      partition: p.partition,
      offset_kind: canonical.offset_kind,
      start_offset: p.start_offset as string,
      end_offset: p.end_offset as string,
    }));
  return { rule: TIME_WINDOW_RULE, selector: canonical, partitions: results, slices, empty: slices.length === 0 };
}

function checkSelector(selector: TimeWindowSelector): TimeWindowResolution['selector'] {
  const bad = (message: string): never => {
    throw new OfsError('TIME_WINDOW_INVALID', { message: `time window: ${message}`, details: { selector: { ...selector } } });
  };
  if (typeof selector.topic !== 'string' || selector.topic === '') bad('topic is required');
  const offsetKind = selector.offset_kind ?? 'kafka_offset';
  const start = typeof selector.start_utc === 'string' ? parseInstant(selector.start_utc) : undefined;
  const end = typeof selector.end_utc === 'string' ? parseInstant(selector.end_utc) : undefined;
  if (!start) bad(`start ${JSON.stringify(selector.start_utc)} is not an RFC 3339 instant with a zone`);
  if (!end) bad(`end ${JSON.stringify(selector.end_utc)} is not an RFC 3339 instant with a zone`);
  if (compareInstant(start as Instant, end as Instant) >= 0) bad('start must be before end ([start, end) is half-open)');
  for (const p of selector.partitions ?? []) if (!Number.isSafeInteger(p) || p < 0) bad(`partition ${p} is not a whole number ≥ 0`);
  return {
    topic: selector.topic,
    offset_kind: offsetKind,
    start_utc: canonicalInstant(start as Instant),
    end_utc: canonicalInstant(end as Instant),
  };
}

async function listPartitions(
  selector: TimeWindowResolution['selector'],
  sources: readonly (readonly [string, ReplaySource])[],
  options: AbortOptions,
): Promise<number[]> {
  const all = new Set<number>();
  for (const [name, source] of sources) {
    if (!source.partitions) {
      throw new OfsError('TIME_WINDOW_UNPROVABLE', {
        message: `time window on ${selector.topic}: the ${name} source cannot list its partitions; name them in the selector`,
        details: { topic: selector.topic, source: name },
      });
    }
    for (const p of await source.partitions(selector.topic, selector.offset_kind, options)) all.add(p);
  }
  return [...all].sort((a, b) => a - b);
}

async function resolvePartition(
  selector: TimeWindowResolution['selector'],
  partition: number,
  start: Instant,
  end: Instant,
  sources: readonly (readonly [string, ReplaySource])[],
  options: AbortOptions,
): Promise<PartitionWindow> {
  const where = `${selector.topic}/${partition}`;
  const unprovable = (message: string, source?: string): OfsError =>
    new OfsError('TIME_WINDOW_UNPROVABLE', {
      message: `time window on ${where}: ${message}`,
      details: { topic: selector.topic, partition, ...(source ? { source } : {}) },
    });
  const slice: ReplaySlice = {
    topic: selector.topic,
    partition,
    offset_kind: selector.offset_kind,
    start_offset: '0',
    end_offset: MAX_OFFSET,
  };
  const chunks: (TimeIndexChunk & { min: Instant; max: Instant })[] = [];
  const holding: ReplaySource[] = [];
  for (const [name, source] of sources) {
    let index: readonly TimeIndexChunk[] | undefined;
    if (source.timeIndex) {
      index = await source.timeIndex({ topic: selector.topic, partition, offset_kind: selector.offset_kind }, options);
    } else {
      const coverage = await source.coverage(slice, options);
      if (coverage !== null && coverage.length === 0) continue;
      throw unprovable(`the ${name} source holds offsets here but has no time index`, name);
    }
    if (index === undefined) throw unprovable(`the ${name} source cannot prove the event times of every stored chunk`, name);
    if (index.length > 0) holding.push(source);
    for (const c of index) {
      const min = parseInstant(c.min_ts_utc);
      const max = parseInstant(c.max_ts_utc);
      if (!min || !max) throw unprovable(`the ${name} source's time index has a chunk without instants`, name);
      chunks.push({ ...c, min, max });
    }
  }
  chunks.sort((a, b) => compareDecimal(a.first_offset, b.first_offset));
  // The first offset that can be in the window: every chunk starting before it ends its times before `start`.
  let from: string | undefined;
  let upper: Instant | undefined;
  for (const c of chunks) {
    upper = upper === undefined || compareInstant(c.max, upper) > 0 ? c.max : upper;
    if (compareInstant(upper, start) >= 0) {
      from = c.first_offset;
      break;
    }
  }
  const empty = (records: number): PartitionWindow => ({
    partition,
    status: 'EMPTY',
    start_offset: null,
    end_offset: null,
    late_records: 0,
    records_read: records,
  });
  if (from === undefined) return empty(0);

  // Read from there (both sources merged by offset) until the watermark reaches `end`.
  let watermark: Instant | undefined;
  let first: string | undefined;
  let last: string | undefined;
  let late = 0;
  let read = 0;
  for await (const r of mergeByOffset(holding, slice, { start: from, end: MAX_OFFSET }, options)) {
    read++;
    const ts = parseInstant(r.ts_utc);
    if (!ts) throw unprovable(`record ${r.offset} (${r.event_id}) has ts_utc ${JSON.stringify(r.ts_utc)}, not an instant`);
    if (watermark === undefined || compareInstant(ts, watermark) > 0) watermark = ts;
    if (compareInstant(watermark, end) >= 0) break;
    if (compareInstant(watermark, start) < 0) continue;
    first ??= r.offset;
    last = r.offset;
    if (compareInstant(ts, start) < 0) late++;
  }
  if (first === undefined || last === undefined) return empty(read);
  return { partition, status: 'RESOLVED', start_offset: first, end_offset: last, late_records: late, records_read: read };
}

/** The records of every source in `range`, merged by offset; an offset two sources hold is taken once (the first source's). */
async function* mergeByOffset(
  sources: readonly ReplaySource[],
  slice: ReplaySlice,
  range: OffsetRange,
  options: AbortOptions,
): AsyncGenerator<ReplayRecord> {
  const iterators = sources.map((s) => s.read(slice, range, options)[Symbol.asyncIterator]());
  const heads: (ReplayRecord | undefined)[] = [];
  const next = async (i: number) => {
    try {
      for (;;) {
        const step = await (iterators[i] as AsyncIterator<ReplayRecord>).next();
        if (step.done) return undefined;
        const r = step.value;
        // Sources may return foreign records; only this partition's, inside the range, count.
        if (r.topic !== slice.topic || r.partition !== slice.partition) continue;
        if (compareDecimal(r.offset, range.start) < 0) continue;
        return r;
      }
    } catch (error) {
      throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', `reading ${slice.topic}/${slice.partition} for a time window`);
    }
  };
  for (let i = 0; i < iterators.length; i++) heads.push(await next(i));
  let previous: string | undefined;
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (best < 0 || compareDecimal(h.offset, (heads[best] as ReplayRecord).offset) < 0)) best = i;
      }
      if (best < 0) return;
      const r = heads[best] as ReplayRecord;
      heads[best] = await next(best);
      if (previous !== undefined && compareDecimal(r.offset, previous) <= 0) continue;
      previous = r.offset;
      yield r;
    }
  } finally {
    for (const it of iterators) await it.return?.();
  }
}

function compareInstant(a: Instant, b: Instant): number {
  return a.epochMs !== b.epochMs ? (a.epochMs < b.epochMs ? -1 : 1) : a.subMsNanos - b.subMsNanos;
}
