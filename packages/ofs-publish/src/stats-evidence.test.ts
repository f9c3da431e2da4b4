import { createMemoryObjectStore, datasetStatsKey, isOfsError, type ObjectStore, type ReplayRecord } from '@ofs/contracts';
import { canonicalJson, readJson } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { type DatasetStats, mergeDatasetStats } from './dataset-stats.js';
import { DEMO_TOPIC } from '@ofs/features';
import { buildAndPublish } from './pipeline-support.js';
import { statsOfParts } from './stats-accumulator.js';
import { at, payment, record, resolved, testPlan, testPolicy } from './test-support.js';
import { verifyDataset } from './verify-dataset.js';

const CARDS = ['c1', 'c2', 'c3'];
function events(n: number): ReplayRecord[] {
  return Array.from({ length: n }, (_, i) =>
    record(i, `evt_${i}`, at(i * 300), payment(CARDS[i % 3]!, `m${i % 4}`, `${(i * 13) % 97}.${i % 10}5`)),
  );
}

async function publishOne(store: ObjectStore, order: (e: ReplayRecord[]) => ReplayRecord[] = (e) => e) {
  const policy = testPolicy({ part_rows: 7 });
  const plan = testPlan({
    slices: [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '39' }],
    policy,
    training: 'NON_TRAINING',
  });
  return buildAndPublish({ plan, policy, profile: resolved(), eb: order(events(40)), store });
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
    // The statistics equal the merge of per-part statistics (shards), in any order.
    const perPart = await Promise.all(
      published.manifest.parts.map((p) => statsOfParts(store, [p], draft.draft.columns, draft.draft.label_types)),
    );
    expect(published.manifest.parts.length).toBeGreaterThan(2);
    expect(canonicalJson([...perPart].reverse().reduce((a, b) => mergeDatasetStats(a, b)))).toBe(canonicalJson(stats));
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
