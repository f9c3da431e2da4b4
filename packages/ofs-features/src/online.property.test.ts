import { type FeatureProfile, isOfsError, type ResolvedFeatureProfile } from '@ofs/contracts';
import { canonicalJson, digestOf } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchFeatures } from './batch.js';
import { compileProfile } from './compile-profile.js';
import { formatDecimal } from './decimal.js';
import { createOnlineFeatures, type OnlineEvent } from './online.js';

const AGGREGATES = ['count', 'sum', 'min', 'max', 'mean', 'last', 'distinct_count'] as const;

/** Every aggregate over two windows on one entity, a second entity, a topic-filtered window, and a non-row topic. */
const profileDoc: FeatureProfile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'prop',
  feature_set_version: 'v1',
  entities: { card: 'card', merchant: 'm.id' },
  row_topics: ['t.pay'],
  features: [
    { name: 'amount', kind: 'field', path: 'amount' },
    ...[600, 3600].flatMap((w) =>
      AGGREGATES.map((a) => ({
        name: `card_${a}_${w}`,
        kind: 'window' as const,
        entity: 'card',
        aggregate: a,
        ...(a === 'count' ? {} : { path: a === 'distinct_count' ? 'm.id' : 'amount' }),
        window_seconds: w,
      })),
    ),
    { name: 'card_refunds_3600', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 3600, topics: ['t.refund'] },
    { name: 'merchant_sum_600', kind: 'window', entity: 'merchant', aggregate: 'sum', path: 'amount', window_seconds: 600 },
  ],
};
const resolved: ResolvedFeatureProfile = { ref: 'prop.json', profile: profileDoc, digest: digestOf(profileDoc) };
const STREAMS = [
  { topic: 't.pay', partition: 0 },
  { topic: 't.pay', partition: 1 },
  { topic: 't.refund', partition: 0 },
] as const;

interface Gen {
  stream: number;
  card: string | undefined;
  merchant: string;
  amount: unknown;
  step: number;
  millis: number;
}

const genArb: fc.Arbitrary<Gen> = fc.record({
  stream: fc.integer({ min: 0, max: 2 }),
  card: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: undefined, freq: 8 }),
  merchant: fc.constantFrom('m1', 'm2', 'm3'),
  amount: fc.oneof(
    fc.integer({ min: -500, max: 100_000 }).map((n) => formatDecimal(BigInt(n), 2)),
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom(0.1, 2.5, '0.001', null, undefined),
  ),
  // Mostly forward on a coarse grid (exact window boundaries), sometimes backwards (late events).
  step: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(0, 60, 540, 600, 3000, 3600) },
    { weight: 2, arbitrary: fc.integer({ min: -900, max: 900 }) },
  ),
  millis: fc.constantFrom(0, 0, 500, 1),
});

/** Turns generated steps into per-stream event lists (offset order), with per-stream clocks. */
function eventsOf(generated: readonly Gen[]): OnlineEvent[][] {
  const clocks = STREAMS.map(() => 7200);
  const lists: OnlineEvent[][] = STREAMS.map(() => []);
  for (const g of generated) {
    const list = lists[g.stream] as OnlineEvent[];
    clocks[g.stream] = Math.max(0, (clocks[g.stream] as number) + g.step);
    const ts = new Date(Date.UTC(2026, 1, 10) + (clocks[g.stream] as number) * 1000 + g.millis).toISOString();
    const payload: Record<string, unknown> = { m: { id: g.merchant } };
    if (g.card !== undefined) payload.card = g.card;
    if (g.amount !== undefined) payload.amount = g.amount;
    const { topic, partition } = STREAMS[g.stream] as (typeof STREAMS)[number];
    list.push({
      topic,
      partition,
      offset: String(100 + list.length),
      event_id: `${topic}/${partition}/${list.length}`,
      ts_utc: ts,
      payload,
    });
  }
  return lists;
}

/** The batch face, as reconstruction drives it: one partition after the other, window values of row events into an array. */
function batchValues(lists: OnlineEvent[][]): Map<string, Record<string, unknown>> {
  const compiled = compileProfile(resolved);
  const engine = new BatchFeatures(compiled);
  const out: unknown[] = new Array(compiled.windows.length).fill(null);
  const rows = new Map<string, Record<string, unknown>>();
  for (const list of lists) {
    engine.startPartition();
    for (const e of list) {
      if (!engine.isRowTopic(e.topic)) {
        engine.advance(e, undefined);
        continue;
      }
      engine.advance(e, out, 0);
      const row: Record<string, unknown> = { amount: (e.payload as Record<string, unknown>).amount ?? null };
      compiled.windows.forEach((w, i) => {
        row[w.name] = out[i];
      });
      rows.set(e.event_id, row);
    }
  }
  return rows;
}

/** Interleaves the per-stream lists in an order chosen by `picks`, keeping each stream's order. */
function interleave(lists: OnlineEvent[][], picks: readonly number[]): OnlineEvent[] {
  const at = lists.map(() => 0);
  const order: OnlineEvent[] = [];
  let p = 0;
  const left = () => lists.some((l, i) => (at[i] as number) < l.length);
  while (left()) {
    const open = lists.map((_, i) => i).filter((i) => (at[i] as number) < (lists[i] as OnlineEvent[]).length);
    const i = open[(picks[p++ % Math.max(1, picks.length)] ?? 0) % open.length] as number;
    order.push((lists[i] as OnlineEvent[])[at[i] as number] as OnlineEvent);
    at[i] = (at[i] as number) + 1;
  }
  return order;
}

describe('online and batch faces', () => {
  it('give the same feature values for every row event, in any interleaving of partitions', () => {
    fc.assert(
      fc.property(fc.array(genArb, { minLength: 1, maxLength: 80 }), fc.array(fc.nat(5), { maxLength: 40 }), (generated, picks) => {
        const lists = eventsOf(generated);
        const batch = batchValues(lists);
        const online = createOnlineFeatures(resolved);
        let rowEvents = 0;
        for (const e of interleave(lists, picks)) {
          const values = online.update(e);
          if (e.topic !== 't.pay') continue;
          rowEvents++;
          expect(values).toEqual(batch.get(e.event_id));
        }
        expect(rowEvents).toBe(batch.size);
      }),
      { numRuns: 200 },
    );
  });

  it('snapshots what the next event of the key at the watermark would read, with the same bytes for any interleaving', () => {
    fc.assert(
      fc.property(fc.array(genArb, { minLength: 1, maxLength: 60 }), fc.array(fc.nat(5), { maxLength: 20 }), (generated, picks) => {
        const lists = eventsOf(generated);
        const a = createOnlineFeatures(resolved);
        const b = createOnlineFeatures(resolved);
        for (const e of interleave(lists, [])) a.update(e);
        for (const e of interleave(lists, picks)) b.update(e);
        const compiled = compileProfile(resolved);
        for (const [s, list] of lists.entries()) {
          const last = list[list.length - 1];
          if (!last) continue;
          const { topic, partition } = STREAMS[s] as (typeof STREAMS)[number];
          for (const card of ['c1', 'c2', 'c3']) {
            const snapA = a.snapshot({ entity: 'card', key: card, topic, partition });
            const snapB = b.snapshot({ entity: 'card', key: card, topic, partition });
            expect(canonicalJson(snapA.snapshot)).toBe(canonicalJson(snapB.snapshot));
            expect(snapA.snapshot_hash).toBe(snapB.snapshot_hash);
            expect(snapA.snapshot.as_of.next_offset).toBe(String(Number(last.offset) + 1));
            // A probe event of the key at the watermark, through the batch face.
            const engine = new BatchFeatures(compiled);
            engine.startPartition();
            for (const e of list) engine.advance(e, undefined);
            const out: unknown[] = new Array(compiled.windows.length).fill(null);
            const probe = { topic, event_id: 'probe', ts_utc: snapA.snapshot.as_of.watermark_utc as string, payload: { card } };
            engine.advance(probe, out, 0);
            const expected: Record<string, unknown> = {};
            compiled.windows.forEach((w, i) => {
              if (w.entity === 0) expected[w.name] = out[i];
            });
            expect(snapA.snapshot.features).toEqual(expected);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('online face', () => {
  const pay = (offset: number, card: string, amount: string, ts: string): OnlineEvent => ({
    topic: 't.pay',
    partition: 0,
    offset: String(offset),
    event_id: `e${offset}`,
    ts_utc: ts,
    payload: { card, amount, m: { id: 'm1' } },
  });

  it('returns the values before the event and snapshots after it, under the documented recipe', () => {
    const online = createOnlineFeatures(resolved);
    expect(online.update(pay(5, 'c1', '10.50', '2026-02-10T10:00:00Z')).card_sum_600).toBe('0');
    expect(online.update(pay(6, 'c1', '2', '2026-02-10T10:05:00Z')).card_sum_600).toBe('10.5');
    const { snapshot, snapshot_hash } = online.snapshot({ entity: 'card', key: 'c1' });
    expect(snapshot.recipe).toBe('ofs.feature_snapshot.v1');
    expect(snapshot.entity).toEqual({ name: 'card', key: 'c1' });
    expect(snapshot.as_of).toEqual({
      topic: 't.pay',
      partition: 0,
      offset_kind: 'kafka_offset',
      next_offset: '7',
      watermark_utc: '2026-02-10T10:05:00Z',
    });
    expect(snapshot.features.card_sum_600).toBe('12.5');
    expect(snapshot.features.card_count_3600).toBe(2);
    expect(snapshot.features.card_last_600).toBe('2');
    expect(Object.keys(snapshot.features)).not.toContain('merchant_sum_600');
    expect(snapshot.feature_set).toEqual({ feature_set_id: 'prop', feature_set_version: 'v1', digest: resolved.digest });
    expect(snapshot_hash).toMatch(/^[0-9a-f]{64}$/);
    // Another value → another hash.
    online.update(pay(7, 'c1', '1', '2026-02-10T10:06:00Z'));
    expect(online.snapshot({ entity: 'card', key: 'c1' }).snapshot_hash).not.toBe(snapshot_hash);
  });

  it('refuses an event at or before the last offset of its partition, and unknown entities', () => {
    const online = createOnlineFeatures(resolved);
    online.update(pay(5, 'c1', '1', '2026-02-10T10:00:00Z'));
    for (const offset of [5, 4]) {
      let error: unknown;
      try {
        online.update(pay(offset, 'c1', '1', '2026-02-10T10:00:00Z'));
      } catch (e) {
        error = e;
      }
      expect(isOfsError(error, 'FEATURE_EVENT_OUT_OF_ORDER')).toBe(true);
    }
    expect(online.snapshot({ entity: 'card', key: 'c1' }).snapshot.features.card_count_600).toBe(1);
    for (const ref of [
      { entity: 'nope', key: 'c1' },
      { entity: 'card', key: 'never-seen' },
      { entity: 'card', key: '' },
    ]) {
      let error: unknown;
      try {
        online.snapshot(ref);
      } catch (e) {
        error = e;
      }
      expect(isOfsError(error, 'FEATURE_ENTITY_UNKNOWN')).toBe(true);
    }
    // A key never seen in a named partition reads empty windows.
    expect(online.snapshot({ entity: 'card', key: 'c9', topic: 't.pay', partition: 0 }).snapshot.features.card_count_600).toBe(0);
  });
});
