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

/** Keeps what the corridor would keep: the slice's partition and kind, offsets inside `range`. */
function relevant(records: readonly ReplayRecord[], s: ReplaySlice, range: OffsetRange): ReplayRecord[] {
  const lo = BigInt(range.start);
  const hi = BigInt(range.end);
  return records.filter(
    (r) =>
      r.topic === s.topic &&
      r.partition === s.partition &&
      r.offset_kind === s.offset_kind &&
      BigInt(r.offset) >= lo &&
      BigInt(r.offset) <= hi,
  );
}

/**
 * The `ReplaySource` contract. `make(records)` returns a source holding exactly `records` (given
 * in ascending offset order per partition) whose coverage is the default one: for each
 * topic/partition/offset kind, the span from its lowest to its highest offset.
 */
export function describeReplaySourceContract(name: string, make: (records: readonly ReplayRecord[]) => Promise<ReplaySource>): void {
  describe(`ReplaySource contract: ${name}`, () => {
    async function seed() {
      const records: ReplayRecord[] = [];
      for (let o = 100; o <= 160; o++) records.push(await sampleReplayRecord(TOPIC, 0, 'kafka_offset', String(o)));
      for (const o of [5, 6, 9]) records.push(await sampleReplayRecord(TOPIC, 1, 'kafka_offset', String(o)));
      for (let i = 0n; i < 4n; i++)
        records.push(await sampleReplayRecord(TOPIC, 2, 'kinesis_sequence', (BigInt(BIG) + i * 1000n).toString()));
      return records;
    }

    it('reads exactly the held records of a range, in ascending offset order, byte-identical', async () => {
      const records = await seed();
      const source = await make(records);
      const s = slice(0, 'kafka_offset', '90', '200');
      for (const range of [
        { start: '100', end: '160' },
        { start: '120', end: '125' },
        { start: '90', end: '101' },
        { start: '160', end: '400' },
        { start: '130', end: '130' },
      ]) {
        const got = await collect(source, s, range);
        const kept = relevant(got, s, range);
        expect(kept).toEqual(relevant(records, s, range));
        expect(JSON.stringify(kept)).toBe(JSON.stringify(relevant(records, s, range)));
        const offsets = got.filter((r) => r.partition === 0).map((r) => BigInt(r.offset));
        for (let i = 1; i < offsets.length; i++) expect(offsets[i]! > offsets[i - 1]!).toBe(true);
      }
    });

    it('reads nothing from a range it does not hold or a partition it does not know', async () => {
      const source = await make(await seed());
      expect(
        relevant(
          await collect(source, slice(0, 'kafka_offset', '0', '99'), { start: '0', end: '99' }),
          slice(0, 'kafka_offset', '0', '99'),
          { start: '0', end: '99' },
        ),
      ).toEqual([]);
      expect(await collect(source, slice(7, 'kafka_offset', '0', '99'), { start: '0', end: '99' })).toEqual([]);
      expect(
        relevant(await collect(source, slice(1, 'kafka_offset', '7', '8'), { start: '7', end: '8' }), slice(1, 'kafka_offset', '7', '8'), {
          start: '7',
          end: '8',
        }),
      ).toEqual([]);
    });

    it('declares coverage from its lowest to its highest offset, clipped to the slice', async () => {
      const source = await make(await seed());
      expect(await source.coverage(slice(0, 'kafka_offset', '0', '1000'))).toEqual([{ start: '100', end: '160' }]);
      expect(await source.coverage(slice(0, 'kafka_offset', '150', '1000'))).toEqual([{ start: '150', end: '160' }]);
      expect(await source.coverage(slice(0, 'kafka_offset', '110', '120'))).toEqual([{ start: '110', end: '120' }]);
      expect(await source.coverage(slice(0, 'kafka_offset', '0', '99'))).toEqual([]);
      expect(await source.coverage(slice(1, 'kafka_offset', '0', '100'))).toEqual([{ start: '5', end: '9' }]);
      expect(await source.coverage(slice(9, 'kafka_offset', '0', '100'))).toEqual([]);
      expect(await source.coverage({ ...slice(0, 'kafka_offset', '0', '1000'), topic: 'other.topic' })).toEqual([]);
    });

    it('keeps 56-digit Kinesis sequence numbers exact', async () => {
      const records = await seed();
      const source = await make(records);
      const end = (BigInt(BIG) + 5000n).toString();
      const s = slice(2, 'kinesis_sequence', BIG, end);
      expect(await source.coverage(s)).toEqual([{ start: BIG, end: (BigInt(BIG) + 3000n).toString() }]);
      const got = relevant(await collect(source, s, { start: (BigInt(BIG) + 1n).toString(), end }), s, { start: BIG, end });
      expect(got.map((r) => r.offset)).toEqual(['1000', '2000', '3000'].map((d) => (BigInt(BIG) + BigInt(d)).toString()));
    });

    it('gives exactly the records of read through readBatches, when it offers it', async () => {
      const source = await make(await seed());
      if (typeof source.readBatches !== 'function') return;
      const s = slice(0, 'kafka_offset', '90', '200');
      for (const range of [
        { start: '100', end: '160' },
        { start: '125', end: '131' },
      ]) {
        const batched: ReplayRecord[] = [];
        for await (const batch of source.readBatches(s, range)) batched.push(...batch);
        expect(batched).toEqual(await collect(source, s, range));
      }
    });

    it('gives the same records on every read', async () => {
      const source = await make(await seed());
      const s = slice(0, 'kafka_offset', '100', '160');
      const range = { start: '100', end: '160' };
      expect(await collect(source, s, range)).toEqual(await collect(source, s, range));
    });

    it('throws ABORTED when the signal is already aborted', async () => {
      const source = await make(await seed());
      const signal = AbortSignal.abort();
      const s = slice(0, 'kafka_offset', '100', '160');
      await expect(source.coverage(s, { signal })).rejects.toSatisfy((e: unknown) => isOfsError(e, 'ABORTED'));
      await expect(collect2(source, s, signal)).rejects.toSatisfy((e: unknown) => isOfsError(e, 'ABORTED'));
    });
  });
}

async function collect2(source: ReplaySource, s: ReplaySlice, signal: AbortSignal): Promise<number> {
  let n = 0;
  for await (const _ of source.read(s, { start: s.start_offset, end: s.end_offset }, { signal })) n++;
  return n;
}
