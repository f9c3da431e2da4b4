import { createMemoryObjectStore, type FeatureProfile, parseInstant, type ReplayRecord } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOnlineFeatures, formatDecimal, formatMean, parseDecimal, type ScaledDecimal } from '@ofs/features';
import { reconstruct } from './reconstruct.js';
import { fakeLabels, record, resolved, testPlan, testPolicy } from './test-support.js';

const TOPIC = 't.pay';
const AGGREGATES = ['count', 'sum', 'min', 'max', 'mean', 'last', 'distinct_count'] as const;

/** Every aggregate over two windows, on two entities. */
const profile: FeatureProfile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'prop',
  feature_set_version: 'v1',
  entities: { card: 'card', merchant: 'm.id' },
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
    { name: 'merchant_sum_600', kind: 'window', entity: 'merchant', aggregate: 'sum', path: 'amount', window_seconds: 600 },
  ],
};

interface GenEvent {
  partition: number;
  card: string | undefined;
  merchant: string;
  amount: unknown;
  seconds: number;
  millis: number;
  zone: 'Z' | '+01:00';
}

const eventArb: fc.Arbitrary<GenEvent> = fc.record({
  partition: fc.integer({ min: 0, max: 1 }),
  card: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: undefined, freq: 8 }),
  merchant: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
  amount: fc.oneof(
    fc.integer({ min: -500, max: 100_000 }).map((n) => formatDecimal(BigInt(n), 2)),
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom(0.1, 0.2, 1e-7, 2.5, '0.001', '100', null, undefined),
  ),
  // Time steps from the previous event of the partition: mostly forward on a coarse grid, so
  // exact window boundaries (ts − w) are frequent; sometimes backwards (late events).
  seconds: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(0, 60, 300, 540, 600, 3000, 3600) },
    { weight: 2, arbitrary: fc.integer({ min: -900, max: 900 }) },
  ),
  millis: fc.constantFrom(0, 0, 0, 500, 1),
  zone: fc.constantFrom('Z', 'Z', '+01:00'),
});

function isoAt(seconds: number, millis: number, zone: 'Z' | '+01:00'): string {
  const ms = Date.UTC(2026, 1, 10) + seconds * 1000 + millis + (zone === 'Z' ? 0 : 3_600_000);
  const text = new Date(ms).toISOString();
  const base = millis === 0 ? text.slice(0, 19) : text.slice(0, 23);
  return zone === 'Z' ? `${base}Z` : `${base}+01:00`;
}

/** The definition (docs/decisions.md): earlier events x with ts(x) in (max(ts(e), P(e)) − w, ts(e)]. */
function bruteForce(
  events: { ts: number; card: string | undefined; merchant: string; amount: unknown }[],
  i: number,
  aggregate: string,
  w: number,
): unknown {
  const e = events[i]!;
  if (e.card === undefined) return null;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let j = 0; j <= i; j++) watermark = Math.max(watermark, events[j]!.ts);
  const lower = Math.max(e.ts, watermark) - w * 1000;
  const inWindow = events.slice(0, i).filter((x) => x.card === e.card && x.ts <= e.ts && x.ts > lower);
  const valued = inWindow.filter((x) => (aggregate === 'distinct_count' ? true : x.amount !== null && x.amount !== undefined));
  switch (aggregate) {
    case 'count':
      return inWindow.length;
    case 'distinct_count':
      return new Set(inWindow.map((x) => x.merchant)).size;
    case 'last':
      return valued.length === 0 ? null : valued[valued.length - 1]!.amount;
  }
  const ds = valued.map((x) => parseDecimal(x.amount)!);
  if (ds.length === 0) return aggregate === 'sum' ? '0' : null;
  const scale = Math.max(...ds.map((d) => d.scale));
  const scaled = ds.map((d) => d.mantissa * 10n ** BigInt(scale - d.scale));
  if (aggregate === 'sum')
    return formatDecimal(
      scaled.reduce((a, b) => a + b, 0n),
      scale,
    );
  if (aggregate === 'mean')
    return formatMean(
      scaled.reduce((a, b) => a + b, 0n),
      scale,
      ds.length,
    );
  const pick = scaled.reduce((a, b) => (aggregate === 'max' ? (b > a ? b : a) : b < a ? b : a));
  const best: ScaledDecimal = { mantissa: pick, scale };
  return formatDecimal(best.mantissa, best.scale);
}

describe('windowed features', () => {
  it('equal a brute-force evaluation of the window definition on random event streams', async () => {
    const slices = [0, 1].map((partition) => ({
      topic: TOPIC,
      partition,
      offset_kind: 'kafka_offset',
      start_offset: '0',
      end_offset: '999',
    }));
    const plan = testPlan({ slices, training: 'NON_TRAINING', profile: resolved(profile, 'prop.json') });
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 60 }), async (generated) => {
        const byPartition: GenEvent[][] = [[], []];
        for (const g of generated) byPartition[g.partition]!.push(g);
        const records: ReplayRecord[] = [];
        const expected: Record<string, unknown>[] = [];
        for (const [partition, list] of byPartition.entries()) {
          let clock = 7200;
          const events = list.map((g) => {
            clock = Math.max(0, clock + g.seconds);
            const ts = isoAt(clock, g.millis, g.zone);
            return { ts: parseInstant(ts)!.epochMs, text: ts, card: g.card, merchant: g.merchant, amount: g.amount };
          });
          events.forEach((ev, i) => {
            const payload: Record<string, unknown> = { m: { id: ev.merchant } };
            if (ev.card !== undefined) payload.card = ev.card;
            if (ev.amount !== undefined) payload.amount = ev.amount;
            const id = `p${partition}_${i}`;
            records.push(record(i, id, ev.text, payload, { topic: TOPIC, partition }));
            const row: Record<string, unknown> = { event_id: id, amount: ev.amount ?? null };
            for (const w of [600, 3600]) for (const a of AGGREGATES) row[`card_${a}_${w}`] = bruteForce(events, i, a, w);
            expected.push(row);
          });
        }
        const store = createMemoryObjectStore();
        const { draft } = await reconstruct(plan, records, {
          labels: fakeLabels(),
          profile: resolved(profile, 'prop.json'),
          store,
          policy: testPolicy(),
        });
        const rows: Record<string, unknown>[] = [];
        for (const part of draft.parts) {
          const text = new TextDecoder().decode(await store.get(part.key));
          for (const line of text.split('\n').slice(0, -1)) rows.push(JSON.parse(line));
        }
        expect(rows.length).toBe(expected.length);
        for (const [i, row] of rows.entries()) expect(row).toMatchObject(expected[i]!);
        // The online face, fed the same records (partitions interleaved), serves the row's values.
        const online = createOnlineFeatures(resolved(profile, 'prop.json'));
        const served = new Map<string, Record<string, unknown>>();
        const interleaved = [...records].sort((a, b) => Number(a.offset) - Number(b.offset) || a.partition - b.partition);
        for (const r of interleaved) served.set(r.event_id, online.update(r));
        for (const row of rows) {
          const values = served.get(row.event_id as string)!;
          for (const [name, value] of Object.entries(values)) expect(row[name]).toEqual(value);
        }
      }),
      {
        numRuns: 150,
        examples: [
          [
            [0, 600, 3000].map((seconds) => ({
              partition: 0,
              card: 'c1',
              merchant: 'm1',
              amount: '1',
              seconds,
              millis: 0,
              zone: 'Z' as const,
            })),
          ],
        ],
      },
    );
  });
});
