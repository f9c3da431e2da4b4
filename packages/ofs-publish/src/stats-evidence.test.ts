import {
  createMemoryObjectStore,
  datasetStatsKey,
  isOfsError,
  type LabelAssertion,
  type ObjectStore,
  type ReplayRecord,
} from '@ofs/contracts';
import { canonicalJson, readJson, utf8 } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { type DatasetStats, LABEL_DELAY_BINS, labelDelayBin, mergeDatasetStats } from './dataset-stats.js';
import { DEMO_TOPIC, demoFeatureProfile } from '@ofs/features';
import { buildAndPublish } from './pipeline-support.js';
import { statsOfParts } from './stats-accumulator.js';
import { reconstruct } from './reconstruct.js';
import { at, fakeLabels, payment, RUN, record, resolved, testPlan, testPolicy } from './test-support.js';
import { verifyDataset } from './verify-dataset.js';

const CARDS = ['c1', 'c2', 'c3'];
function events(n: number): ReplayRecord[] {
  return Array.from({ length: n }, (_, i) =>
    record(i, `evt_${i}`, at(i * 300), payment(CARDS[i % 3]!, `m${i % 4}`, `${(i * 13) % 97}.${i % 10}5`)),
  );
}

/** Delays (observed − effective, ms) of the assertions labelling event i (every other event is labelled). */
const DELAYS = [0, 30_000, 2 * 3_600_000, 3 * 86_400_000, -3_600_000];
const delayOf = (i: number) => DELAYS[(i / 2) % DELAYS.length] as number;

/** One fraud_disposition assertion per even event, effective at its event time, observed `delayOf(i)` later. */
function assertions(n: number): LabelAssertion[] {
  const out: LabelAssertion[] = [];
  for (let i = 0; i < n; i += 2) {
    const effective = Date.parse(at(i * 300));
    out.push({
      platform_run_id: RUN,
      event_id: `evt_${i}`,
      label_type: 'fraud_disposition',
      value: i % 4 === 0 ? 'FRAUD' : 'LEGIT',
      effective_time: new Date(effective).toISOString(),
      observed_time: new Date(effective + delayOf(i)).toISOString(),
      assertion_id: `a_${i}`,
    });
  }
  return out;
}

async function publishOne(
  store: ObjectStore,
  order: (e: ReplayRecord[]) => ReplayRecord[] = (e) => e,
  options: { training?: boolean; maturityDays?: number } = {},
) {
  const policy = testPolicy({ part_rows: 7 });
  const plan = testPlan({
    slices: [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '39' }],
    policy,
    training: options.training ? 'TRAINING' : 'NON_TRAINING',
    ...(options.maturityDays === undefined ? {} : { maturityDays: options.maturityDays }),
  });
  return buildAndPublish({ plan, policy, profile: resolved(), eb: order(events(40)), store, assertions: assertions(40) });
}

/** The delay histogram of the given events' labels, counted directly. */
function expectedDelays(indices: number[]): number[] {
  const histogram = LABEL_DELAY_BINS.map(() => 0);
  for (const i of indices) if (i % 2 === 0) histogram[labelDelayBin(delayOf(i))]! += 1;
  return histogram;
}

describe('build statistics as evidence', () => {
  it('reconstruction writes the statistics once and the draft cites them by digest', async () => {
    const store = createMemoryObjectStore();
    const { draft, published } = await publishOne(store);
    const ref = draft.draft.stats;
    expect(ref?.key).toBe(datasetStatsKey(draft.draft.platform_run_id, draft.draft.plan_id));
    const stats = (await readJson(store, ref!.key)) as DatasetStats | undefined;
    expect(stats).toMatchObject({ schema_version: 'learning.ofs_dataset_stats.v1', rows_total: 40 });
    expect(stats?.days.reduce((n, d) => n + d.rows, 0)).toBe(40);
    // The statistics of the rows equal the merge of per-part statistics (shards), in any order. The
    // label delays are not in the rows: reconstruction tallies them while joining labels.
    const perPart = await Promise.all(
      published.manifest.parts.map((p) => statsOfParts(store, [p], draft.draft.columns, draft.draft.label_types)),
    );
    expect(published.manifest.parts.length).toBeGreaterThan(2);
    const { label_delays, ...ofRows } = stats!;
    expect(canonicalJson([...perPart].reverse().reduce((a, b) => mergeDatasetStats(a, b)))).toBe(canonicalJson(ofRows));
    // One delay per LABELLED row, in its fixed bin.
    const all = Array.from({ length: 40 }, (_, i) => i);
    expect(label_delays).toEqual({
      bins: 'label_delay.v1',
      by_type: { fraud_disposition: { histogram: expectedDelays(all), unknown: 0 } },
    });
    expect(label_delays?.by_type.fraud_disposition?.histogram).toEqual([4, 4, 4, 0, 4, 4, 0, 0, 0]);
    const report = await verifyDataset(published.manifestKey, { store });
    expect(report.checks).toContain('stats');
  });

  it('the same plan from records in another order gives the same statistics bytes', async () => {
    const a = createMemoryObjectStore();
    const b = createMemoryObjectStore();
    const first = await publishOne(a);
    const second = await publishOne(b, (e) => [...e].reverse());
    const key = first.draft.draft.stats!.key;
    expect(Buffer.from((await b.get(key))!).equals(Buffer.from((await a.get(key))!))).toBe(true);
  });

  it('a training build counts the delays of the rows it keeps (immature rows left out), and verify checks them', async () => {
    const store = createMemoryObjectStore();
    // label_asof 2026-03-01 − 17 days = 2026-02-12: events after it (i ≥ 10, at 300-minute steps) are immature.
    const { draft, published } = await publishOne(store, undefined, { training: true, maturityDays: 17 });
    const stats = (await readJson(store, draft.draft.stats!.key)) as DatasetStats;
    const kept = Array.from({ length: 40 }, (_, i) => i).filter((i) => at(i * 300) <= '2026-02-12T00:00:00Z');
    expect(stats.rows_total).toBe(kept.length);
    expect(kept.length).toBeLessThan(40);
    expect(stats.label_delays?.by_type.fraud_disposition).toEqual({ histogram: expectedDelays(kept), unknown: 0 });
    const report = await verifyDataset(published.manifestKey, { store });
    expect(report.checks).toContain('stats');
  });

  it('counts LABELLED labels whose resolver reports no delay as unknown', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const plan = testPlan({
      slices: [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '9' }],
      policy,
      training: 'NON_TRAINING',
    });
    const { draft } = await reconstruct(plan, events(10), {
      labels: fakeLabels({ evt_1: 'FRAUD', evt_2: 'LEGIT' }),
      profile: resolved(),
      store,
      policy,
    });
    const stats = (await readJson(store, draft.stats!.key)) as DatasetStats;
    expect(stats.label_delays?.by_type.fraud_disposition).toEqual({ histogram: LABEL_DELAY_BINS.map(() => 0), unknown: 2 });
  });

  it("summarises columns as the profile's markers say (D115)", async () => {
    const store = createMemoryObjectStore();
    const profile = resolved({
      ...demoFeatureProfile,
      feature_set_version: 'v1-marked',
      features: demoFeatureProfile.features.map((f) =>
        f.name === 'amount' ? { ...f, stats: 'sensitive' } : f.name === 'card_txn_count_1h' ? { ...f, stats: 'categorical' } : f,
      ),
    });
    const policy = testPolicy();
    const plan = testPlan({
      slices: [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '19' }],
      policy,
      profile,
      training: 'NON_TRAINING',
    });
    const { draft, published } = await buildAndPublish({ plan, policy, profile, eb: events(20), store });
    const stats = (await readJson(store, draft.draft.stats!.key)) as DatasetStats;
    const col = (name: string) => stats.columns.find((c) => c.name === name);
    expect(col('amount')).toMatchObject({ kind: 'sensitive', marker: 'sensitive', rows: 20, values: null, histogram: null, min: null });
    expect(col('card_txn_count_1h')).toMatchObject({ kind: 'categorical', marker: 'categorical', histogram: null });
    expect(col('card_txn_count_1h')?.values?.reduce((n, v) => n + v.count, 0)).toBe(20);
    // Unmarked columns keep the name rule.
    expect(col('country')).toMatchObject({ kind: 'mixed' });
    expect(col('country')).not.toHaveProperty('marker');
    expect((await verifyDataset(published.manifestKey, { store })).checks).toContain('stats');
  });

  it('verifyDataset reports label delays that do not add up to the labelled rows as stats.label_delays', async () => {
    const store = createMemoryObjectStore();
    const { draft, published } = await publishOne(store);
    const key = draft.draft.stats!.key;
    const stats = (await readJson(store, key)) as DatasetStats;
    stats.label_delays!.by_type.fraud_disposition!.unknown += 1;
    const tampered: ObjectStore = { ...store, get: async (k, o) => (k === key ? utf8(canonicalJson(stats)) : store.get(k, o)) };
    try {
      await verifyDataset(published.manifestKey, { store: tampered });
      expect.unreachable('verifyDataset accepted label delays that do not add up');
    } catch (error) {
      const checks = ((error as { details: { differences: { check: string }[] } }).details.differences ?? []).map((d) => d.check);
      expect(checks).toContain('stats.label_delays');
    }
  });

  it('verifyDataset reports a byte flipped in the statistics as evidence.stats.sha256', async () => {
    const store = createMemoryObjectStore();
    const { draft, published } = await publishOne(store);
    const key = draft.draft.stats!.key;
    const bytes = (await store.get(key))!;
    const text = new TextDecoder().decode(bytes).replace('"rows_total":40', '"rows_total":41');
    const tampered: ObjectStore = { ...store, get: async (k, o) => (k === key ? new TextEncoder().encode(text) : store.get(k, o)) };
    try {
      await verifyDataset(published.manifestKey, { store: tampered });
      expect.unreachable('verifyDataset accepted tampered statistics');
    } catch (error) {
      expect(isOfsError(error, 'DATASET_INTEGRITY_VIOLATION')).toBe(true);
      const checks = ((error as { details: { differences: { check: string }[] } }).details.differences ?? []).map((d) => d.check);
      expect(checks).toContain('evidence.stats.sha256');
      expect(checks).toContain('stats.rows_total');
    }
  });
});
