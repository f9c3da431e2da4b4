import type { Column } from '@ofs/contracts';
import { canonicalJson, canonicalString } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CATEGORICAL_MAX_VALUES,
  DatasetStatsAccumulator,
  type DatasetStats,
  type DatasetStatsOptions,
  LABEL_DELAY_BINS,
  labelDelayBin,
  mergeDatasetStats,
  NUMERIC_BINS,
  numericBin,
} from './dataset-stats.js';
import { encodeValue } from './row-encoder.js';

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
  // The label delay the resolver reported for a LABELLED label (ms; absent: unknown). Not a column.
  delay: fc.option(
    fc.oneof(
      fc.constantFrom(0, -1, 59_999.999999, 60_000, 3_600_000, 86_400_000, 7_776_000_000),
      fc.double({ min: -1e11, max: 1e11, noNaN: true }),
    ),
    { nil: undefined },
  ),
});

/** Statistics of rows as reconstruction makes them: row fields from the row, the delay of each LABELLED label fed beside it. */
function statsOf(rows: readonly Record<string, unknown>[], options: DatasetStatsOptions = { labelDelays: true }): DatasetStats {
  const acc = new DatasetStatsAccumulator(COLUMNS, ['fraud'], options);
  for (const r of rows) {
    acc.add(r);
    if (options.labelDelays && r.label_fraud_status === 'LABELLED') acc.addLabelDelay('fraud', r.delay as number | undefined);
  }
  return acc.result();
}

describe('dataset statistics', () => {
  it('addValues of value arrays (or of their stand-ins) equals add of the rows their canonical lines parse back to', () => {
    // Values in a scrambled slot order, as a row layout holds them; add() gets the parsed line.
    const slots = COLUMNS.map((_, i) => (i * 5 + 3) % COLUMNS.length);
    const value = fc.oneof(
      fc.constantFrom(null, undefined, -0, 0, true, false, 'LABELLED', 'CONFLICT', '12.50', '-3', 'n/a', { a: 1 }, [1]),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 100 }),
        fc.array(fc.array(value, { minLength: COLUMNS.length, maxLength: COLUMNS.length }), { maxLength: 50 }),
        (rows, raw) => {
          const arrays = [
            ...rows.map((r) => {
              const values: unknown[] = new Array(COLUMNS.length);
              COLUMNS.forEach((c, i) => {
                values[slots[i] as number] = r[c.name as keyof typeof r];
              });
              return values;
            }),
            ...raw.map((vs) => {
              const values: unknown[] = new Array(COLUMNS.length);
              vs.forEach((v, i) => {
                values[slots[i] as number] = v;
              });
              return values;
            }),
          ];
          const byValues = new DatasetStatsAccumulator(COLUMNS, ['fraud']);
          const byStandIns = new DatasetStatsAccumulator(COLUMNS, ['fraud']);
          const byLines = new DatasetStatsAccumulator(COLUMNS, ['fraud']);
          for (const values of arrays) {
            byValues.addValues(values, slots);
            const standIns: unknown[] = new Array(COLUMNS.length);
            COLUMNS.forEach((_, i) => {
              standIns[slots[i] as number] = byStandIns.standIn(i, values[slots[i] as number]);
            });
            byStandIns.addValues(standIns, slots);
            const line = `{${COLUMNS.map((c, i) => `${canonicalString(c.name)}:${encodeValue(values[slots[i] as number])}`).join(',')}}`;
            byLines.add(JSON.parse(line) as Record<string, unknown>);
          }
          expect(canonicalJson(byValues.result())).toBe(canonicalJson(byLines.result()));
          expect(canonicalJson(byStandIns.result())).toBe(canonicalJson(byLines.result()));
        },
      ),
      { numRuns: 100 },
    );
  });

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
        const partials = shards.map((shard) => statsOf(shard)).reverse();
        const merged = partials.reduce((a, b) => mergeDatasetStats(a, b));
        expect(JSON.stringify(merged)).toBe(whole);
        // The delays: one count per LABELLED row, whatever the sharding.
        const delays = merged.label_delays?.by_type.fraud;
        const labelled = rows.filter((r) => r.label_fraud_status === 'LABELLED').length;
        expect((delays?.histogram.reduce((a, b) => a + b, 0) ?? -1) + (delays?.unknown ?? 0)).toBe(labelled);
      }),
      { numRuns: 150 },
    );
  });

  it('bins label delays into fixed duration bins whatever the data', () => {
    const bin = (ms: number) => LABEL_DELAY_BINS[labelDelayBin(ms)];
    expect(LABEL_DELAY_BINS).toEqual(['<0', '0', '(0,1m)', '[1m,1h)', '[1h,1d)', '[1d,7d)', '[7d,30d)', '[30d,90d)', '>=90d']);
    expect(bin(-0.000001)).toBe('<0');
    expect(bin(0)).toBe('0');
    expect(bin(0.000001)).toBe('(0,1m)');
    expect(bin(59_999.999999)).toBe('(0,1m)');
    expect(bin(60_000)).toBe('[1m,1h)');
    expect(bin(3_600_000)).toBe('[1h,1d)');
    expect(bin(86_400_000 - 1)).toBe('[1h,1d)');
    expect(bin(86_400_000)).toBe('[1d,7d)');
    expect(bin(7 * 86_400_000)).toBe('[7d,30d)');
    expect(bin(30 * 86_400_000)).toBe('[30d,90d)');
    expect(bin(90 * 86_400_000 - 0.001)).toBe('[30d,90d)');
    expect(bin(90 * 86_400_000)).toBe('>=90d');
    const s = statsOf([
      { ts_utc: '2026-11-01T00:00:00Z', label_fraud_status: 'LABELLED', delay: 5_000 },
      { ts_utc: '2026-11-01T00:00:00Z', label_fraud_status: 'LABELLED', delay: 5_000 },
      { ts_utc: '2026-11-01T00:00:00Z', label_fraud_status: 'LABELLED' },
      { ts_utc: '2026-11-01T00:00:00Z', label_fraud_status: 'CONFLICT', delay: 5_000 },
    ]);
    expect(s.label_delays).toEqual({ bins: 'label_delay.v1', by_type: { fraud: { histogram: [0, 0, 2, 0, 0, 0, 0, 0, 0], unknown: 1 } } });
  });

  it('keeps no label delays unless asked (statistics of rows alone), and refuses to merge the two', () => {
    const rows = [{ ts_utc: '2026-11-01T00:00:00Z', label_fraud_status: 'LABELLED', delay: 5 }];
    const plain = statsOf(rows, {});
    expect(plain).not.toHaveProperty('label_delays');
    expect(() => mergeDatasetStats(plain, statsOf(rows))).toThrow(RangeError);
  });

  it('follows the profile markers over the name rule: categorical counts values, sensitive counts only', () => {
    const markers = new Map([
      ['merchant_code', 'sensitive' as const],
      ['amount', 'categorical' as const],
      ['entity_card', 'categorical' as const],
    ]);
    const rows = [
      { ts_utc: '2026-11-01T00:00:00Z', merchant_code: 'm1', amount: '12.50', entity_card: 'card-1' },
      { ts_utc: '2026-11-01T00:00:00Z', merchant_code: 'm2', amount: '12.50', entity_card: 'card-2' },
      { ts_utc: '2026-11-01T00:00:00Z', merchant_code: null, amount: '7.00', entity_card: 'card-1' },
    ];
    const s = statsOf(rows, { markers });
    const col = (name: string) => s.columns.find((c) => c.name === name);
    expect(col('merchant_code')).toMatchObject({
      kind: 'sensitive',
      marker: 'sensitive',
      rows: 3,
      nulls: 1,
      values: null,
      histogram: null,
    });
    expect(col('amount')).toMatchObject({ kind: 'categorical', marker: 'categorical', min: null, max: null, histogram: null });
    expect(col('amount')?.values).toEqual([
      { value: '12.50', count: 2 },
      { value: '7.00', count: 1 },
    ]);
    // Entity keys are never features: a marker cannot reveal them.
    expect(col('entity_card')).toMatchObject({ kind: 'sensitive', values: null });
    expect(col('entity_card')).not.toHaveProperty('marker');
    expect(JSON.stringify(s)).not.toContain('m1');
    expect(JSON.stringify(s)).not.toContain('card-1');
    // Without markers the same columns follow the name rule (D112).
    expect(statsOf(rows, {}).columns.find((c) => c.name === 'merchant_code')).toMatchObject({ kind: 'categorical' });
    expect(statsOf(rows, {}).columns.find((c) => c.name === 'amount')).toMatchObject({ kind: 'numeric' });
    // Markers survive merging.
    expect(JSON.stringify(mergeDatasetStats(statsOf(rows.slice(0, 1), { markers }), statsOf(rows.slice(1), { markers })))).toBe(
      JSON.stringify(s),
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
