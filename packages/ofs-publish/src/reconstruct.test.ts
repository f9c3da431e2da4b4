import { createMemoryObjectStore, isOfsError, type ReplayRecord } from '@ofs/contracts';
import { canonicalJson, readJson } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { demoFeatureProfile } from '@ofs/features';
import { reconstruct } from './reconstruct.js';
import { at, fakeLabels, payment, record, resolved, RUN, testPlan, testPolicy } from './test-support.js';

async function rowsOf(
  store: ReturnType<typeof createMemoryObjectStore>,
  keys: string[],
): Promise<{ lines: string[]; rows: Record<string, unknown>[] }> {
  const lines: string[] = [];
  for (const key of keys) {
    const bytes = await store.get(key);
    const text = new TextDecoder().decode(bytes);
    lines.push(...text.split('\n').slice(0, -1));
  }
  return { lines, rows: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('reconstruct', () => {
  it('builds canonical rows with windowed features, labels and content-addressed parts', async () => {
    const store = createMemoryObjectStore();
    const plan = testPlan({ training: 'NON_TRAINING', policy: testPolicy({ part_rows: 2 }) });
    const records = [
      record(0, 'e0', at(0), payment('c1', 'm1', '10.00')),
      record(1, 'e1', at(10), payment('c1', 'm2', '5.5')),
      record(2, 'e2', at(69), payment('c1', 'm1', '1')),
      record(3, 'e3', at(71), payment('c2', 'm1', '2.25', { country: 'FR' })),
    ];
    const { draft, draftKey, labelReceipt } = await reconstruct(plan, records, {
      labels: fakeLabels({ e1: 'FRAUD' }),
      profile: resolved(),
      store,
      policy: testPolicy({ part_rows: 2 }),
    });
    expect(labelReceipt).toEqual({ fake: true, batches: [4] });
    expect(draftKey).toBe(`${RUN}/ofs/drafts/${plan.plan_id}.json`);
    expect(await readJson(store, draftKey)).toEqual(draft);
    expect(draft.rows_total).toBe(4);
    expect(draft.parts.map((p) => p.rows)).toEqual([2, 2]);
    for (const p of draft.parts) expect(p.key).toBe(`${RUN}/ofs/parts/${p.sha256}.jsonl`);
    const { lines, rows } = await rowsOf(
      store,
      draft.parts.map((p) => p.key),
    );
    for (const line of lines) expect(line).toBe(canonicalJson(JSON.parse(line)));
    expect(rows.map((r) => r.event_id)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(rows[0]).toMatchObject({
      card_txn_count_1h: 0,
      card_amount_sum_24h: '0',
      card_amount_mean_24h: null,
      card_last_amount_24h: null,
    });
    expect(rows[1]).toMatchObject({
      card_txn_count_1h: 1,
      card_amount_sum_24h: '10',
      card_amount_max_24h: '10',
      card_last_amount_24h: '10.00',
      card_distinct_merchants_24h: 1,
      label_fraud_disposition: 'FRAUD',
      label_fraud_disposition_status: 'LABELLED',
      label_fraud_disposition_assertion_id: 'a_e1',
      entity_card: 'c1',
      amount: '5.5',
      mature: true,
    });
    // At 69 min the 1 h window (9 min, 69 min] has dropped e0 (t=0) but keeps e1 (t=10).
    expect(rows[2]).toMatchObject({
      card_txn_count_1h: 1,
      card_txn_count_24h: 2,
      card_amount_sum_24h: '15.5',
      card_amount_mean_24h: '7.75',
      card_distinct_merchants_24h: 2,
      merchant_txn_count_24h: 1,
      label_fraud_disposition: null,
      label_fraud_disposition_status: 'UNLABELLED',
    });
    expect(rows[3]).toMatchObject({ card_txn_count_24h: 0, merchant_txn_count_1h: 1, merchant_amount_sum_24h: '11', country: 'FR' });
    expect(draft.columns.map((c) => c.name)).toEqual(Object.keys(rows[0] as object));
  });

  it('drops at-least-once duplicates: the first occurrence in (topic, partition, offset) order wins', async () => {
    const store = createMemoryObjectStore();
    const slices = [0, 1].map((p) => ({
      topic: demoFeatureProfile.row_topics![0]!,
      partition: p,
      offset_kind: 'kafka_offset',
      start_offset: '0',
      end_offset: '9',
    }));
    const plan = testPlan({ slices, training: 'NON_TRAINING' });
    const dup = payment('c1', 'm1', '1');
    const records = [
      record(0, 'a', at(5), dup, { partition: 0 }),
      record(1, 'b', at(6), payment('c1', 'm1', '2'), { partition: 0 }),
      record(0, 'a', at(5), dup, { partition: 1 }),
      record(1, 'a', at(5), dup, { partition: 1 }),
      record(2, 'c', at(7), payment('c1', 'm1', '3'), { partition: 1 }),
    ];
    const { draft } = await reconstruct(plan, records, { labels: fakeLabels(), profile: resolved(), store, policy: testPolicy() });
    expect(draft.slices.map((s) => [s.records, s.duplicates_dropped, s.rows])).toEqual([
      [2, 0, 2],
      [3, 2, 1],
    ]);
    const { rows } = await rowsOf(
      store,
      draft.parts.map((p) => p.key),
    );
    expect(rows.map((r) => [r.event_id, r.partition, r.offset])).toEqual([
      ['a', 0, '0'],
      ['b', 0, '1'],
      ['c', 1, '2'],
    ]);
    // Windows are per partition: partition 1 never saw the dropped duplicates.
    expect(rows[2]).toMatchObject({ card_txn_count_24h: 0 });
  });

  it('fails with REPLAY_EVENT_ID_CONFLICT when an event id comes back with another payload', async () => {
    const plan = testPlan({ training: 'NON_TRAINING' });
    const records = [record(0, 'a', at(1), payment('c1', 'm1', '1')), record(1, 'a', at(1), payment('c1', 'm1', '2'))];
    await expect(
      reconstruct(plan, records, { labels: fakeLabels(), profile: resolved(), store: createMemoryObjectStore(), policy: testPolicy() }),
    ).rejects.toMatchObject({ code: 'REPLAY_EVENT_ID_CONFLICT', details: { event_id: 'a', offset: '1' } });
  });

  it('refuses records out of offset order or outside the basis', async () => {
    const plan = testPlan({ training: 'NON_TRAINING' });
    const deps = () => ({ labels: fakeLabels(), profile: resolved(), store: createMemoryObjectStore(), policy: testPolicy() });
    const p = payment('c1', 'm1', '1');
    await expect(reconstruct(plan, [record(3, 'a', at(1), p), record(2, 'b', at(1), p)], deps())).rejects.toMatchObject({
      code: 'REPLAY_RECORD_INVALID',
    });
    await expect(reconstruct(plan, [record(100, 'a', at(1), p)], deps())).rejects.toMatchObject({ code: 'REPLAY_RECORD_INVALID' });
    await expect(reconstruct(plan, [record(1, 'a', 'yesterday', p)], deps())).rejects.toMatchObject({ code: 'REPLAY_RECORD_INVALID' });
    await expect(reconstruct(plan, [record(1, 'a', at(1), payment('c1', 'm1', 'lots'))], deps())).rejects.toMatchObject({
      code: 'FEATURE_VALUE_INVALID',
      details: { feature: 'card_amount_sum_24h' },
    });
  });

  it('leaves immature rows out of training datasets (counted) and marks them in non-training ones', async () => {
    const records = [0, 1, 2, 3].map((i) => record(i, `e${i}`, at(i), payment('c1', 'm1', '1')));
    const immature = (s: { event_id: string }) => s.event_id === 'e1' || s.event_id === 'e3';
    const train = await reconstruct(testPlan(), records, {
      labels: fakeLabels({}, { immature }),
      profile: resolved(),
      store: createMemoryObjectStore(),
      policy: testPolicy(),
    });
    expect(train.draft.totals).toMatchObject({ row_events: 4, rows: 2, immature: 2, immature_excluded: 2 });
    expect(train.draft.immature_rows_included).toBe(false);
    const store = createMemoryObjectStore();
    const open = await reconstruct(testPlan({ training: 'NON_TRAINING' }), records, {
      labels: fakeLabels({}, { immature }),
      profile: resolved(),
      store,
      policy: testPolicy(),
    });
    expect(open.draft.totals).toMatchObject({ rows: 4, immature: 2, immature_excluded: 0 });
    const { rows } = await rowsOf(
      store,
      open.draft.parts.map((p) => p.key),
    );
    expect(rows.map((r) => r.mature)).toEqual([true, false, true, false]);
    // Immature events still count in later windows.
    expect(rows[3]).toMatchObject({ card_txn_count_1h: 3 });
  });

  it('resolves labels in batches of label_batch_size', async () => {
    const labels = fakeLabels();
    const records = Array.from({ length: 7 }, (_, i) => record(i, `e${i}`, at(i), payment('c1', 'm1', '1')));
    await reconstruct(testPlan({ training: 'NON_TRAINING' }), records, {
      labels,
      profile: resolved(),
      store: createMemoryObjectStore(),
      policy: testPolicy({ label_batch_size: 3 }),
    });
    expect(labels.batches).toEqual([3, 3, 1]);
  });

  it('fails closed on a profile the plan does not pin', async () => {
    const other = resolved({ ...demoFeatureProfile, description: 'changed' });
    await expect(
      reconstruct(testPlan(), [], { labels: fakeLabels(), profile: other, store: createMemoryObjectStore(), policy: testPolicy() }),
    ).rejects.toMatchObject({ code: 'FEATURE_PROFILE_DRIFT' });
    const bad = resolved({ ...demoFeatureProfile, features: [{ name: 'event_id', kind: 'field', path: 'x' }] });
    const error = await reconstruct(testPlan({ profile: bad }), [], {
      labels: fakeLabels(),
      profile: bad,
      store: createMemoryObjectStore(),
      policy: testPolicy(),
    }).catch((e) => e);
    expect(isOfsError(error, 'FEATURE_PROFILE_INVALID')).toBe(true);
    expect(String(error.message)).toContain('event_id');
  });

  it('maps a failing replay stream to a retryable error', async () => {
    async function* broken(): AsyncGenerator<ReplayRecord> {
      yield record(0, 'a', at(0), payment('c1', 'm1', '1'));
      throw new Error('socket closed');
    }
    const error = await reconstruct(testPlan(), broken(), {
      labels: fakeLabels(),
      profile: resolved(),
      store: createMemoryObjectStore(),
      policy: testPolicy(),
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'REPLAY_SOURCE_UNAVAILABLE', retryable: true });
  });
});
