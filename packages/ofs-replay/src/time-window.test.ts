import { isOfsError, parseInstant, type ReplayRecord, type ReplaySource, type TimeIndexChunk } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryReplaySource } from './memory-source.js';
import { resolveTimeWindow } from './time-window.js';

const TOPIC = 't.pay';
const T0 = Date.UTC(2026, 1, 10);
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function records(partition: number, minutes: readonly number[], firstOffset = 100): ReplayRecord[] {
  return minutes.map((m, i) => ({
    topic: TOPIC,
    partition,
    offset_kind: 'kafka_offset',
    offset: String(firstOffset + i),
    event_id: `p${partition}_${i}`,
    ts_utc: iso(m),
    payload: { i },
    payload_hash: 'a'.repeat(64),
  }));
}

/** A memory source with a time index of `chunk`-record chunks (what a segment index gives). */
function indexed(all: ReplayRecord[], chunk = 3): ReplaySource {
  const base = createMemoryReplaySource(all);
  return {
    ...base,
    async timeIndex(p) {
      const mine = all.filter((r) => r.topic === p.topic && r.partition === p.partition);
      const out: TimeIndexChunk[] = [];
      for (let i = 0; i < mine.length; i += chunk) {
        const part = mine.slice(i, i + chunk);
        const times = part.map((r) => parseInstant(r.ts_utc)!.epochMs);
        out.push({
          first_offset: part[0]!.offset,
          last_offset: part.at(-1)!.offset,
          min_ts_utc: new Date(Math.min(...times)).toISOString(),
          max_ts_utc: new Date(Math.max(...times)).toISOString(),
        });
      }
      return out;
    },
    async partitions(topic) {
      return [...new Set(all.filter((r) => r.topic === topic).map((r) => r.partition))].sort((a, b) => a - b);
    },
  };
}

/** The rule by brute force: offsets whose running maximum time lies in [start, end). */
function bruteForce(rs: ReplayRecord[], start: number, end: number): [string, string] | undefined {
  let w = Number.NEGATIVE_INFINITY;
  const inside: string[] = [];
  for (const r of rs) {
    w = Math.max(w, parseInstant(r.ts_utc)!.epochMs);
    if (w >= start && w < end) inside.push(r.offset);
  }
  return inside.length === 0 ? undefined : [inside[0]!, inside.at(-1)!];
}

const empty = createMemoryReplaySource([]);
const noIndex: ReplaySource = { coverage: empty.coverage, read: empty.read };

describe('resolveTimeWindow', () => {
  it('maps [start, end) to the offsets whose watermark is inside, keeping late events with the window they arrived in', async () => {
    // Minute of each event; offset 104 (minute 5) arrives late, after minute 20.
    const p0 = records(0, [0, 10, 12, 20, 5, 25, 31, 29, 40]);
    const r = await resolveTimeWindow({ topic: TOPIC, start_utc: iso(10), end_utc: iso(30) }, { eb: indexed(p0), archive: indexed([]) });
    expect(r.partitions).toEqual([
      { partition: 0, status: 'RESOLVED', start_offset: '101', end_offset: '105', late_records: 1, records_read: 7 },
    ]);
    expect(r.slices).toEqual([{ topic: TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '101', end_offset: '105' }]);
    expect(r.selector).toEqual({
      topic: TOPIC,
      offset_kind: 'kafka_offset',
      start_utc: iso(10).replace('.000Z', 'Z'),
      end_utc: iso(30).replace('.000Z', 'Z'),
    });
    // Offset 107 (minute 29) is inside [10, 30) by its own time but after the watermark passed 30: excluded, by the rule.
  });

  it('equals the brute-force rule on random streams, whatever the chunking and whichever source holds which offsets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 110 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(40),
        async (minutes, s, length, chunk, split) => {
          const all = records(0, minutes);
          const start = T0 + s * 60_000;
          const end = start + length * 60_000;
          // The archive holds a prefix, EB the rest (with an overlap of one record).
          const cut = Math.min(split, all.length);
          const archive = indexed(all.slice(0, cut + 1), chunk);
          const eb = indexed(all.slice(cut), chunk + 1);
          const r = await resolveTimeWindow(
            { topic: TOPIC, start_utc: new Date(start).toISOString(), end_utc: new Date(end).toISOString() },
            { eb, archive },
          );
          const expected = bruteForce(all, start, end);
          if (expected === undefined) {
            expect(r.empty).toBe(true);
            expect(r.partitions[0]!.status).toBe('EMPTY');
          } else {
            expect([r.partitions[0]!.start_offset, r.partitions[0]!.end_offset]).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers a window with no event as an explicit empty result', async () => {
    const r = await resolveTimeWindow(
      { topic: TOPIC, start_utc: iso(500), end_utc: iso(600) },
      { eb: indexed([...records(0, [0, 1, 2]), ...records(1, [3, 4])]), archive: indexed([]) },
    );
    expect(r.empty).toBe(true);
    expect(r.slices).toEqual([]);
    expect(r.partitions.map((p) => [p.partition, p.status])).toEqual([
      [0, 'EMPTY'],
      [1, 'EMPTY'],
    ]);
  });

  it('fails closed when a source holds the partition without a time index, cannot prove a chunk, or the selector is bad', async () => {
    const held = createMemoryReplaySource(records(0, [0, 1, 2]));
    const codeOf = async (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e) => (isOfsError(e) ? e.code : String(e)),
      );
    const window = { topic: TOPIC, start_utc: iso(0), end_utc: iso(10), partitions: [0] };
    expect(await codeOf(resolveTimeWindow(window, { eb: held, archive: noIndex }))).toBe('TIME_WINDOW_UNPROVABLE');
    const unproven: ReplaySource = { ...held, timeIndex: async () => undefined };
    expect(await codeOf(resolveTimeWindow(window, { eb: unproven, archive: noIndex }))).toBe('TIME_WINDOW_UNPROVABLE');
    expect(await codeOf(resolveTimeWindow({ topic: TOPIC, start_utc: iso(0), end_utc: iso(10) }, { eb: noIndex, archive: noIndex }))).toBe(
      'TIME_WINDOW_UNPROVABLE',
    );
    expect(await codeOf(resolveTimeWindow({ ...window, end_utc: iso(0) }, { eb: indexed(records(0, [0])), archive: noIndex }))).toBe(
      'TIME_WINDOW_INVALID',
    );
    expect(
      await codeOf(resolveTimeWindow({ ...window, start_utc: '2026-02-10 00:00' }, { eb: indexed(records(0, [0])), archive: noIndex })),
    ).toBe('TIME_WINDOW_INVALID');
  });
});
