import { describe, expect, it } from 'vitest';
import { isOfsError } from '../errors.js';
import type { ReplaySlice } from '../records/intent.js';
import type { OffsetRange, ReplayRecord } from '../records/replay.js';
import type { ReplaySource } from '../ports/replay-source.js';

const TOPIC = 'fp.bus.traffic.fraud.v1';
/** A 56-digit Kinesis sequence number (beyond 2^53 and 2^64). */
const BIG = '49590338271490256608559692538361571095921575989136588898';

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A canonical JSON string literal (ASCII only, as `@ofs/ids`'s `canonicalString`). */
function canonicalText(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A replay record whose `payload_hash` really is its `ofs.envelope_hash.v1`: the sha256 of the
 * canonical JSON of `{event_id, payload, ts_utc}` (written here in sorted key order, strings
 * ASCII-escaped), for an integral `payload.amount`. `@ofs/ids`'s `envelopeHash` agrees (tested).
 */
export async function sampleReplayRecord(
  topic: string,
  partition: number,
  offsetKind: string,
  offset: string,
  payload: { amount: number; note: string } = { amount: Number(offset.slice(-4)) % 1000, note: `event ${offset}` },
): Promise<ReplayRecord> {
  const canonical = { amount: payload.amount, note: payload.note };
  const event_id = `evt-${topic}-${partition}-${offset}`;
  const ts_utc = '2026-02-10T10:00:00Z';
  const envelope = `{"event_id":${canonicalText(event_id)},"payload":{"amount":${payload.amount},"note":${canonicalText(payload.note)}},"ts_utc":${canonicalText(ts_utc)}}`;
  return {
    topic,
    partition,
    offset_kind: offsetKind,
    offset,
    event_id,
    ts_utc,
    payload: canonical,
    payload_hash: await sha256Hex(envelope),
  };
}

const slice = (partition: number, kind: string, start: string, end: string): ReplaySlice => ({
  topic: TOPIC,
  partition,
  offset_kind: kind,
  start_offset: start,
  end_offset: end,
});

async function collect(source: ReplaySource, s: ReplaySlice, range: OffsetRange): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const r of source.read(s, range)) out.push(r);
  return out;
}

/** Keeps what the corridor would keep: the slice's topic, partition and kind, offsets inside `range`. */
function relevant(records: readonly ReplayRecord[], s: ReplaySlice, range: OffsetRange): ReplayRecord[] {
  const lo = BigInt(range.start);
  const hi = BigInt(range.end);
  return sortByOffset(
    records.filter(
      (r) =>
        r.topic === s.topic &&
        r.partition === s.partition &&
        r.offset_kind === s.offset_kind &&
        BigInt(r.offset) >= lo &&
        BigInt(r.offset) <= hi,
    ),
  );
}

function sortByOffset(records: readonly ReplayRecord[]): ReplayRecord[] {
  return [...records].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : BigInt(a.offset) > BigInt(b.offset) ? 1 : 0));
}

/**
 * What a factory of a source over a server that assigns its own offsets (JetStream, Kinesis)
 * returns: the source, and the records as the source holds them.
 */
export interface SeededReplaySource {
  /** The source under test. */
  readonly source: ReplaySource;
  /**
   * The given records as the source will return them, in the order given: the same events, with
   * the topic, partition, offset kind, offset (and `payload_hash`, if the source computes it)
   * the server assigned. A record's position in this list matches its position in the input.
   */
  readonly records: readonly ReplayRecord[];
  /**
   * Removes one held record from the server (purge, delete, trim), for the "record gone between
   * coverage and read" case. Absent when the server cannot remove one record: that case is then
   * reported as skipped, with its reason.
   */
  readonly remove?: (record: ReplayRecord) => Promise<void>;
  /**
   * What `coverage` claims: `'span'` (default) from the lowest to the highest held offset of a
   * partition; `'exact'` only the held offsets (their maximal runs of consecutive offsets), as a
   * source that proves coverage by listing one object per record (an archive) does.
   */
  readonly coverage?: 'span' | 'exact';
}

/** A factory's answer: a bare source (offsets as given) or a seeded one (offsets the server assigned). */
export type ReplaySourceUnderTest = ReplaySource | SeededReplaySource;

function isSeeded(value: ReplaySourceUnderTest): value is SeededReplaySource {
  return typeof (value as { read?: unknown }).read !== 'function' && typeof (value as SeededReplaySource).source === 'object';
}

/** The records of the contract's seed, in the order a factory receives them (partitions interleave). */
async function seedRecords(): Promise<ReplayRecord[]> {
  const p0: ReplayRecord[] = [];
  for (let o = 100; o <= 160; o++) p0.push(await sampleReplayRecord(TOPIC, 0, 'kafka_offset', String(o)));
  const p1: ReplayRecord[] = [];
  for (const o of [5, 6, 9]) p1.push(await sampleReplayRecord(TOPIC, 1, 'kafka_offset', String(o)));
  const p2: ReplayRecord[] = [];
  for (let i = 0n; i < 4n; i++) p2.push(await sampleReplayRecord(TOPIC, 2, 'kinesis_sequence', (BigInt(BIG) + i * 1000n).toString()));
  // Partition 1 is written around a run of partition 0, so a server that numbers all partitions
  // with one sequence (JetStream) leaves a gap inside partition 1, as offsets 5, 6, 9 do.
  return [p1[0]!, p1[1]!, ...p0.slice(0, 30), p1[2]!, ...p0.slice(30), ...p2];
}

/** One seeded source and the facts the cases use, derived from the offsets it holds. */
interface Seeded {
  readonly source: ReplaySource;
  readonly records: readonly ReplayRecord[];
  readonly remove: ((record: ReplayRecord) => Promise<void>) | undefined;
  readonly assigned: boolean;
  readonly exact: boolean;
  /** Partition 0's records in offset order (61 of them). */
  readonly p0: readonly ReplayRecord[];
  /** Partition 1's records in offset order (3, with a gap before the last). */
  readonly p1: readonly ReplayRecord[];
  readonly topic: string;
}

/** The coverage a source must declare for `held` (one partition's records) clipped to [start, end]. */
function expectedCoverage(held: readonly ReplayRecord[], start: string, end: string, exact: boolean): OffsetRange[] {
  const lo = BigInt(start);
  const hi = BigInt(end);
  const offsets = sortByOffset(held).map((r) => BigInt(r.offset));
  if (offsets.length === 0) return [];
  if (!exact) {
    const a = offsets[0]! > lo ? offsets[0]! : lo;
    const b = offsets[offsets.length - 1]! < hi ? offsets[offsets.length - 1]! : hi;
    return a > b ? [] : [{ start: a.toString(), end: b.toString() }];
  }
  const out: OffsetRange[] = [];
  let runStart: bigint | undefined;
  let prev = 0n;
  for (const o of offsets.filter((v) => v >= lo && v <= hi)) {
    if (runStart !== undefined && o === prev + 1n) {
      prev = o;
      continue;
    }
    if (runStart !== undefined) out.push({ start: runStart.toString(), end: prev.toString() });
    runStart = o;
    prev = o;
  }
  if (runStart !== undefined) out.push({ start: runStart.toString(), end: prev.toString() });
  return out;
}

const add = (offset: string, delta: number): string => {
  const v = BigInt(offset) + BigInt(delta);
  return (v < 0n ? 0n : v).toString();
};

function sliceOf(r: ReplayRecord, start: string, end: string): ReplaySlice {
  return { topic: r.topic, partition: r.partition, offset_kind: r.offset_kind, start_offset: start, end_offset: end };
}

/**
 * The `ReplaySource` contract. `make(records)` returns a source holding exactly `records` whose
 * coverage is the default one: for each topic/partition/offset kind, the span from its lowest to
 * its highest offset. Records come in ascending offset order per partition; partitions interleave.
 *
 * A source over a server that assigns its own offsets returns a `SeededReplaySource` instead:
 * the records with the offsets (and partitions, kinds) the server assigned, in the order given,
 * and optionally `remove` to delete one record on the server. Every case is stated in terms of
 * the held records, so every adapter runs the same cases. A source that proves coverage by
 * listing one object per record declares `coverage: 'exact'` (its held offsets, not their span),
 * and may return the given records unchanged (offsets as chosen). A case the source cannot exercise (a
 * record removal, caller-chosen 56-digit offsets) is reported as skipped with its reason.
 */
export function describeReplaySourceContract(
  name: string,
  make: (records: readonly ReplayRecord[]) => Promise<ReplaySourceUnderTest>,
): void {
  describe(`ReplaySource contract: ${name}`, () => {
    async function seed(): Promise<Seeded> {
      const given = await seedRecords();
      const made = await make(given);
      const seeded = isSeeded(made);
      const records = seeded ? made.records : given;
      expect(records).toHaveLength(given.length);
      const source = seeded ? made.source : made;
      const byPart = (i: number) => sortByOffset(records.filter((_, k) => given[k]!.partition === i));
      const p0 = byPart(0);
      const p1 = byPart(1);
      expect(p0).toHaveLength(61);
      expect(p1).toHaveLength(3);
      return {
        source,
        records,
        remove: seeded ? made.remove : undefined,
        assigned: records.some(
          (r, k) => r.offset !== given[k]!.offset || r.offset_kind !== given[k]!.offset_kind || r.partition !== given[k]!.partition,
        ),
        exact: seeded && made.coverage === 'exact',
        p0,
        p1,
        topic: p0[0]!.topic,
      };
    }
    const off = (s: Seeded, i: number): string => s.p0[i]!.offset;

    it('reads exactly the held records of a range, in ascending offset order, byte-identical', async () => {
      const s = await seed();
      const first = off(s, 0);
      const last = off(s, 60);
      const sl = sliceOf(s.p0[0]!, add(first, -10), add(last, 40));
      for (const range of [
        { start: first, end: last },
        { start: off(s, 20), end: off(s, 25) },
        { start: add(first, -10), end: off(s, 1) },
        { start: last, end: add(last, 240) },
        { start: off(s, 30), end: off(s, 30) },
      ]) {
        const got = await collect(s.source, sl, range);
        const kept = relevant(got, sl, range);
        expect(kept).toEqual(relevant(s.records, sl, range));
        expect(JSON.stringify(kept)).toBe(JSON.stringify(relevant(s.records, sl, range)));
        const offsets = got.filter((r) => r.partition === sl.partition && r.topic === sl.topic).map((r) => BigInt(r.offset));
        for (let i = 1; i < offsets.length; i++) expect(offsets[i]! > offsets[i - 1]!).toBe(true);
      }
    });

    it('reads nothing from a range it does not hold or a partition it does not know', async () => {
      const s = await seed();
      const first = off(s, 0);
      if (BigInt(first) > 0n) {
        const below = sliceOf(s.p0[0]!, '0', add(first, -1));
        const range = { start: '0', end: add(first, -1) };
        expect(relevant(await collect(s.source, below, range), below, range)).toEqual([]);
      }
      const unknown = { ...sliceOf(s.p0[0]!, '0', add(off(s, 60), 100)), partition: 7 };
      expect(await collect(s.source, unknown, { start: unknown.start_offset, end: unknown.end_offset })).toEqual([]);
      // The gap inside partition 1 (offsets 7..8 when offsets are chosen; the run of partition 0 when assigned).
      const gapStart = add(s.p1[1]!.offset, 1);
      const gapEnd = add(s.p1[2]!.offset, -1);
      expect(BigInt(gapStart) <= BigInt(gapEnd)).toBe(true);
      const gap = sliceOf(s.p1[0]!, gapStart, gapEnd);
      const range = { start: gapStart, end: gapEnd };
      expect(relevant(await collect(s.source, gap, range), gap, range)).toEqual([]);
    });

    it('declares coverage from its lowest to its highest offset (or exactly its offsets), clipped to the slice', async () => {
      const s = await seed();
      const first = off(s, 0);
      const last = off(s, 60);
      const far = add(last, 840);
      const p0 = s.p0[0]!;
      const cover = async (r: ReplayRecord, held: readonly ReplayRecord[], start: string, end: string) =>
        expect(await s.source.coverage(sliceOf(r, start, end))).toEqual(expectedCoverage(held, start, end, s.exact));
      await cover(p0, s.p0, add(first, -100), far);
      await cover(p0, s.p0, off(s, 50), far);
      await cover(p0, s.p0, off(s, 10), off(s, 20));
      if (!s.exact) expect(await s.source.coverage(sliceOf(p0, off(s, 10), off(s, 20)))).toEqual([{ start: off(s, 10), end: off(s, 20) }]);
      if (BigInt(first) > 0n) expect(await s.source.coverage(sliceOf(p0, '0', add(first, -1)))).toEqual([]);
      await cover(s.p1[0]!, s.p1, '0', add(s.p1[2]!.offset, 91));
      if (!s.exact) {
        expect(await s.source.coverage(sliceOf(s.p1[0]!, '0', add(s.p1[2]!.offset, 91)))).toEqual([
          { start: s.p1[0]!.offset, end: s.p1[2]!.offset },
        ]);
      }
      expect(await s.source.coverage({ ...sliceOf(p0, '0', far), partition: 9 })).toEqual([]);
      expect(await s.source.coverage({ ...sliceOf(p0, '0', far), topic: 'other.topic' })).toEqual([]);
    });

    it('keeps 56-digit Kinesis sequence numbers exact', async (ctx) => {
      const s = await seed();
      if (s.assigned) {
        ctx.skip('the server assigns its own offsets; every other case compares them exactly');
        return;
      }
      const end = (BigInt(BIG) + 5000n).toString();
      const sl = slice(2, 'kinesis_sequence', BIG, end);
      const p2 = s.records.filter((r) => r.partition === 2);
      expect(await s.source.coverage(sl)).toEqual(expectedCoverage(p2, BIG, end, s.exact));
      if (!s.exact) expect(await s.source.coverage(sl)).toEqual([{ start: BIG, end: (BigInt(BIG) + 3000n).toString() }]);
      const got = relevant(await collect(s.source, sl, { start: (BigInt(BIG) + 1n).toString(), end }), sl, { start: BIG, end });
      expect(got.map((r) => r.offset)).toEqual(['1000', '2000', '3000'].map((d) => (BigInt(BIG) + BigInt(d)).toString()));
    });

    it('gives exactly the records of read through readBatches, when it offers it', async (ctx) => {
      const s = await seed();
      const readBatches = s.source.readBatches?.bind(s.source);
      if (readBatches === undefined) {
        ctx.skip('the source offers no readBatches');
        return;
      }
      const sl = sliceOf(s.p0[0]!, add(off(s, 0), -10), add(off(s, 60), 40));
      for (const range of [
        { start: off(s, 0), end: off(s, 60) },
        { start: off(s, 25), end: off(s, 31) },
      ]) {
        const batched: ReplayRecord[] = [];
        for await (const batch of readBatches(sl, range)) batched.push(...batch);
        expect(batched).toEqual(await collect(s.source, sl, range));
      }
    });

    it('gives the same records on every read', async () => {
      const s = await seed();
      const sl = sliceOf(s.p0[0]!, off(s, 0), off(s, 60));
      const range = { start: off(s, 0), end: off(s, 60) };
      const once = await collect(s.source, sl, range);
      expect(relevant(once, sl, range)).toHaveLength(61);
      expect(await collect(s.source, sl, range)).toEqual(once);
    });

    it('fails closed when a record its coverage promised is gone at read time', async (ctx) => {
      const s = await seed();
      if (s.remove === undefined) {
        ctx.skip('the source cannot remove one record (the corridor finds gaps of dense kinds itself)');
        return;
      }
      const sl = sliceOf(s.p0[0]!, off(s, 0), off(s, 60));
      expect(await s.source.coverage(sl)).toEqual(expectedCoverage(s.p0, off(s, 0), off(s, 60), s.exact));
      await s.remove(s.p0[30]!);
      const read = collect(s.source, sl, { start: off(s, 0), end: off(s, 60) });
      await expect(read).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_RECORD_MISSING'));
      const batches = s.source.readBatches?.bind(s.source);
      if (batches !== undefined) {
        const drain = async () => {
          for await (const _ of batches(sl, { start: off(s, 0), end: off(s, 60) }));
        };
        await expect(drain()).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_RECORD_MISSING'));
      }
    });

    it('throws ABORTED when the signal is already aborted', async () => {
      const s = await seed();
      const signal = AbortSignal.abort();
      const sl = sliceOf(s.p0[0]!, off(s, 0), off(s, 60));
      await expect(s.source.coverage(sl, { signal })).rejects.toSatisfy((e: unknown) => isOfsError(e, 'ABORTED'));
      await expect(collect2(s.source, sl, signal)).rejects.toSatisfy((e: unknown) => isOfsError(e, 'ABORTED'));
    });
  });
}

async function collect2(source: ReplaySource, s: ReplaySlice, signal: AbortSignal): Promise<number> {
  let n = 0;
  for await (const _ of source.read(s, { start: s.start_offset, end: s.end_offset }, { signal })) n++;
  return n;
}
