import type { Column } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CATEGORICAL_MAX_VALUES,
  DatasetStatsAccumulator,
  type DatasetStats,
  mergeDatasetStats,
  NUMERIC_BINS,
  numericBin,
} from './dataset-stats.js';

const COLUMNS: Column[] = [
  { name: 'ts_utc', type: 'string', nullable: false, source: 'event' },
  { name: 'mature', type: 'boolean', nullable: false, source: 'label' },
  { name: 'entity_card', type: 'string', nullable: false, source: 'entity' },
  { name: 'amount', type: 'decimal', nullable: true, source: 'feature' },
  { name: 'channel', type: 'string', nullable: true, source: 'feature' },
  { name: 'merchant_code', type: 'string', nullable: true, source: 'feature' },
  { name: 'label_fraud', type: 'json', nullable: true, source: 'label' },
  { name: 'last_amount', type: 'json', nullable: true, source: 'feature' },
  { name: 'label_fraud_status', type: 'string', nullable: false, source: 'label' },
];

const row = fc.record({
  ts_utc: fc.integer({ min: 0, max: 9 }).map((d) => `2026-11-0${d}T12:00:00.000Z`),
  mature: fc.boolean(),
  entity_card: fc.string({ minLength: 1, maxLength: 4 }),
  amount: fc.option(
    fc.double({ min: -1e10, max: 1e10, noNaN: true }).map((x) => x.toFixed(2)),
    { nil: null },
  ),
  channel: fc.option(fc.constantFrom('web', 'pos', 'app'), { nil: null }),
  // Up to ~2× the bound of distinct values, so some inputs overflow and some do not.
  merchant_code: fc.option(
    fc.integer({ min: 0, max: CATEGORICAL_MAX_VALUES * 2 }).map((n) => `m${n}`),
    { nil: null },
  ),
  label_fraud: fc.constantFrom(null, true, false),
  last_amount: fc.oneof(fc.constantFrom(null, 'n/a', true, '12.50', '-3'), fc.double({ noNaN: true, noDefaultInfinity: true })),
  label_fraud_status: fc.constantFrom('LABELLED', 'CONFLICT', 'UNLABELLED'),
});

function statsOf(rows: readonly Record<string, unknown>[]): DatasetStats {
  const acc = new DatasetStatsAccumulator(COLUMNS, ['fraud']);
  for (const r of rows) acc.add(r);
  return acc.result();
}

describe('dataset statistics', () => {
  it('merging shuffled partitions of the rows gives the same bytes as one pass', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), fc.integer(), (rows, cuts, seed) => {
        const whole = JSON.stringify(statsOf(rows));
        // Shuffle deterministically from the seed, then cut into shards at the given points.
        const shuffled = rows
          .map((r, i) => ({ r, k: Math.imul(i + 1, seed | 1) >>> 0 }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.r);
        const points = [...new Set(cuts.map((c) => (rows.length === 0 ? 0 : c % (rows.length + 1))))].sort((a, b) => a - b);
        const shards: Record<string, unknown>[][] = [];
        let from = 0;
        for (const p of [...points, shuffled.length]) {
          shards.push(shuffled.slice(from, p));
          from = p;
        }
        const partials = shards.map(statsOf).reverse();
        const merged = partials.reduce((a, b) => mergeDatasetStats(a, b));
        expect(JSON.stringify(merged)).toBe(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps exact value counts up to the bound and drops values (not counts) beyond it', () => {
    const few = statsOf(['a', 'b', 'a'].map((c) => ({ ts_utc: '2026-11-01T00:00:00Z', merchant_code: c })));
    expect(few.columns.find((c) => c.name === 'merchant_code')?.values).toEqual([
      { value: 'a', count: 2 },
      { value: 'b', count: 1 },
    ]);
    const many = statsOf(Array.from({ length: CATEGORICAL_MAX_VALUES + 1 }, (_, i) => ({ ts_utc: 'x', merchant_code: `m${i}` })));
    const col = many.columns.find((c) => c.name === 'merchant_code');
    expect(col).toMatchObject({ values: null, rows: CATEGORICAL_MAX_VALUES + 1, nulls: 0 });
  });

  it('json feature columns put numbers and decimal strings in the histogram and count the other values', () => {
    const s = statsOf(['12.50', 7, 'n/a', true, null, '1e5'].map((v) => ({ ts_utc: '2026-11-01T00:00:00Z', last_amount: v })));
    const col = s.columns.find((c) => c.name === 'last_amount');
    expect(col).toMatchObject({ kind: 'mixed', rows: 6, nulls: 1, min: 7, max: 12.5 });
    expect(col?.histogram?.reduce((a, b) => a + b, 0)).toBe(2);
    expect(col?.values).toEqual([
      { value: '1e5', count: 1 },
      { value: 'n/a', count: 1 },
      { value: 'true', count: 1 },
    ]);
  });

  it('never records values of sensitive columns', () => {
    const s = statsOf([{ ts_utc: '2026-11-01T00:00:00Z', entity_card: 'card-123' }]);
    expect(JSON.stringify(s)).not.toContain('card-123');
    expect(s.columns.find((c) => c.name === 'entity_card')).toMatchObject({ kind: 'sensitive', rows: 1, values: null, histogram: null });
  });

  it('bins numbers into fixed decades whatever the data', () => {
    expect(NUMERIC_BINS[numericBin(-5)]).toBe('<0');
    expect(NUMERIC_BINS[numericBin(0)]).toBe('0');
    expect(NUMERIC_BINS[numericBin(1)]).toBe('[1e0,1e1)');
    expect(NUMERIC_BINS[numericBin(999.99)]).toBe('[1e2,1e3)');
    expect(NUMERIC_BINS[numericBin(1000)]).toBe('[1e3,1e4)');
    expect(NUMERIC_BINS[numericBin(0.0005)]).toBe('(0,1e-3)');
    expect(NUMERIC_BINS[numericBin(5e9)]).toBe('>=1e9');
  });

  it('counts label outcomes and immature rows per event day and label type', () => {
    const s = statsOf([
      { ts_utc: '2026-11-02T01:00:00Z', label_fraud_status: 'LABELLED', mature: true },
      { ts_utc: '2026-11-01T01:00:00Z', label_fraud_status: 'CONFLICT', mature: false },
      { ts_utc: '2026-11-02T23:00:00Z', label_fraud_status: 'UNLABELLED', mature: false },
    ]);
    expect(s.days).toEqual([
      { day: '2026-11-01', rows: 1, labels: { fraud: { labelled: 0, conflict: 1, unlabelled: 0, immature: 1 } } },
      { day: '2026-11-02', rows: 2, labels: { fraud: { labelled: 1, conflict: 0, unlabelled: 1, immature: 1 } } },
    ]);
  });
});
