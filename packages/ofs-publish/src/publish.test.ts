import {
  createMemoryObjectStore,
  type LabelAssertion,
  type LabelReceipt,
  type ObjectStore,
  OfsError,
  type ReplayRecord,
} from '@ofs/contracts';
import { canonicalJson, readJson, sha256Hex } from '@ofs/ids';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import { createMemoryReplaySource, resolveReplay } from '@ofs/replay';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_TOPIC } from '@ofs/features';
import { toManifestV0 } from './manifest-v0.js';
import { buildAndPublish } from './pipeline-support.js';
import { publish } from './publish.js';
import { readDataset } from './read-dataset.js';
import { reconstruct } from './reconstruct.js';
import { findPublishedByPlan, loadPublishInputs } from './stored-inputs.js';
import { at, collect, payment, RUN, record, resolved, testPlan, testPolicy } from './test-support.js';

const CARDS = ['c1', 'c2', 'c3'];
function events(n: number, from = 0): ReplayRecord[] {
  return Array.from({ length: n }, (_, i) =>
    record(from + i, `evt_${from + i}`, at(from + i * 7), payment(CARDS[i % 3]!, `m${i % 4}`, `${(i * 13) % 97}.${i % 10}5`)),
  );
}

function label(eventId: string, value: string, observed: string, id = `as_${eventId}_${observed}`): LabelAssertion {
  return {
    platform_run_id: RUN,
    event_id: eventId,
    label_type: 'fraud_disposition',
    value,
    effective_time: observed,
    observed_time: observed,
    assertion_id: id,
  };
}

const slice = (end: number) => [
  { topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: String(end) },
];

describe('publish', () => {
  it('publishes NEW, then converges to ALREADY_PUBLISHED with identical bytes', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy({ part_rows: 4 });
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    const inputs = { plan, policy, profile: resolved(), eb: events(10), store };
    const first = await buildAndPublish(inputs);
    expect(first.published.outcome).toBe('NEW');
    const { manifest, manifestKey } = first.published;
    expect(manifestKey).toBe(`${RUN}/ofs/manifests/${plan.dataset_manifest_id}.json`);
    // min_label_coverage 0: labels are ready even though none exist.
    expect(manifest).toMatchObject({
      status_class: 'COMPLETE_SUCCESS',
      rows_total: 10,
      plan_id: plan.plan_id,
      label_status: 'READY_FOR_TRAINING',
    });
    expect(manifest.parts.map((p) => p.rows)).toEqual([4, 4, 2]);
    for (const ref of Object.values(manifest.evidence)) expect(sha256Hex((await store.get(ref.key))!)).toBe(ref.sha256);
    const bytes = await store.get(manifestKey);
    expect(new TextDecoder().decode(bytes)).toBe(canonicalJson(manifest));
    const second = await buildAndPublish(inputs);
    expect(second.published.outcome).toBe('ALREADY_PUBLISHED');
    expect(await store.get(manifestKey)).toEqual(bytes);
    expect(await readJson(store, `${RUN}/ofs/index/by_plan/${plan.plan_id}.json`)).toMatchObject({
      manifest: { key: manifestKey, sha256: sha256Hex(bytes!) },
    });
    const found = await findPublishedByPlan(store, plan);
    expect(found?.manifest).toEqual(manifest);
    expect(await findPublishedByPlan(store, { ...plan, plan_id: `plan_${'0'.repeat(32)}` })).toBeUndefined();
    const rows = await collect(readDataset(manifestKey, { store }));
    expect(rows.map((r) => r.event_id)).toEqual(events(10).map((e) => e.event_id));
    expect(toManifestV0(manifest)).toMatchObject({
      schema_version: 'learning.dataset_manifest.v0',
      dataset_manifest_id: plan.dataset_manifest_id,
    });
  });

  it('publishes a training dataset COMPLETE_SUCCESS with labels in rows, and never a label observed after the cutoff', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy({ part_rows: 3 });
    const plan = testPlan({ slices: slice(5), policy, labelAsof: '2026-02-20T00:00:00Z' });
    const assertions = [
      ...events(6).map((e) => label(e.event_id, 'LEGIT', '2026-02-15T00:00:00Z')),
      label('evt_1', 'FRAUD', '2026-02-20T00:00:00Z'),
      label('evt_2', 'FRAUD', '2026-02-20T00:00:00.001Z'),
    ];
    const { published } = await buildAndPublish({ plan, policy, profile: resolved(), eb: events(6), assertions, store });
    expect(published.manifest.status_class).toBe('COMPLETE_SUCCESS');
    const rows = await collect(readDataset(published.manifestKey, { store }));
    expect(rows.map((r) => r.label_fraud_disposition)).toEqual(['LEGIT', 'FRAUD', 'LEGIT', 'LEGIT', 'LEGIT', 'LEGIT']);
    expect(published.manifest.label_basis.label_store_state_marker).toMatch(/.+/);
  });

  it('never lets a label observed after the cutoff reach a row (property, real resolver)', async () => {
    const cutoffMs = Date.UTC(2026, 1, 20);
    const policy = testPolicy();
    const plan = testPlan({ slices: slice(7), policy, training: 'NON_TRAINING', labelAsof: '2026-02-20T00:00:00Z' });
    const arb = fc.array(
      fc.record({
        event: fc.integer({ min: 0, max: 7 }),
        hours: fc.integer({ min: -48, max: 48 }),
        value: fc.constantFrom('FRAUD', 'LEGIT', 'CHARGEBACK'),
      }),
      { maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(arb, async (gen) => {
        const store = createMemoryObjectStore();
        const assertions = gen.map((g, i) => {
          const observed = new Date(cutoffMs + g.hours * 3_600_000).toISOString();
          return label(`evt_${g.event}`, g.value, observed, `a${String(i).padStart(3, '0')}`);
        });
        const labelStore = createMemoryLabelStore();
        if (assertions.length) await labelStore.append(assertions);
        const replay = resolveReplay(plan, {
          eb: createMemoryReplaySource(events(8)),
          archive: createMemoryReplaySource([]),
          policy,
          store,
        });
        const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
        const { draft } = await reconstruct(plan, replay.records, { labels, profile: resolved(), store, policy });
        const late = new Set(assertions.filter((a) => Date.parse(a.observed_time) > cutoffMs).map((a) => a.assertion_id));
        for (const part of draft.parts) {
          for (const line of new TextDecoder()
            .decode(await store.get(part.key))
            .split('\n')
            .slice(0, -1)) {
            const row = JSON.parse(line) as Record<string, unknown>;
            expect(late.has(row.label_fraud_disposition_assertion_id as string)).toBe(false);
            const eligible = assertions.filter((a) => a.event_id === row.event_id && !late.has(a.assertion_id));
            if (eligible.length === 0) expect(row.label_fraud_disposition_status).toBe('UNLABELLED');
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses training builds whose replay or labels fail their gates, before any write', async () => {
    const policy = testPolicy({ min_label_coverage: 0.5 });
    const plan = testPlan({ slices: slice(9), policy });
    const store = createMemoryObjectStore();
    // Offsets 0..7 only: a dense partition with a hole → INCOMPLETE; training must fail.
    const eb = events(8);
    const replay = resolveReplay(plan, {
      eb: createMemoryReplaySource(eb, { coverage: () => [{ start: '0', end: '9' }] }),
      archive: createMemoryReplaySource([]),
      policy,
      store,
    });
    const labels = createLabelResolver(plan, { store: createMemoryLabelStore(), policy, artifacts: store });
    // A training replay fails at once on the hole; reconstruction passes the code through.
    await expect(reconstruct(plan, replay.records, { labels, profile: resolved(), store, policy })).rejects.toMatchObject({
      code: 'REPLAY_INCOMPLETE',
    });
    // A complete replay without labels: finish() throws the coverage violation itself.
    const complete = resolveReplay(plan, {
      eb: createMemoryReplaySource(events(10)),
      archive: createMemoryReplaySource([]),
      policy,
      store,
    });
    const unlabelled = createLabelResolver(plan, { store: createMemoryLabelStore(), policy, artifacts: store });
    await expect(reconstruct(plan, complete.records, { labels: unlabelled, profile: resolved(), store, policy })).rejects.toMatchObject({
      code: 'COVERAGE_POLICY_VIOLATION',
    });
    expect(await store.get(`${RUN}/ofs/drafts/${plan.plan_id}.json`)).toBeUndefined();
  });

  it('maps replay and label statuses to status classes and gate errors', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    const replay = resolveReplay(plan, {
      eb: createMemoryReplaySource(events(8), { coverage: () => [{ start: '0', end: '9' }] }),
      archive: createMemoryReplaySource([]),
      policy,
      store,
    });
    const labels = createLabelResolver(plan, { store: createMemoryLabelStore(), policy, artifacts: store });
    const draft = await reconstruct(plan, replay.records, { labels, profile: resolved(), store, policy });
    const replayReceipt = await replay.receipt;
    expect(replayReceipt.status).toBe('INCOMPLETE');
    const labelReceipt = draft.labelReceipt as never;
    const inputs = { replayReceipt, labelReceipt, draft: draft.draft };
    const training = { ...plan, training_posture: 'TRAINING' as const };
    // Receipts built for a non-training plan do not bind a training plan.
    await expect(publish(training, inputs, { store })).rejects.toMatchObject({
      code: 'PUBLISH_GATE_FAILED',
      details: { gate: 'plan_binding' },
    });
    const trainingInputs = {
      replayReceipt: { ...replayReceipt, training_posture: 'TRAINING' as const },
      labelReceipt: { ...(draft.labelReceipt as LabelReceipt), training_posture: 'TRAINING' as const },
      draft: { ...draft.draft, training_posture: 'TRAINING' as const },
    };
    await expect(publish(training, trainingInputs, { store })).rejects.toMatchObject({ code: 'REPLAY_INCOMPLETE' });
    await expect(
      publish(training, { ...trainingInputs, replayReceipt: { ...trainingInputs.replayReceipt, status: 'UNCHECKABLE' } }, { store }),
    ).rejects.toMatchObject({
      code: 'REPLAY_UNCHECKABLE',
    });
    const notReady = {
      ...trainingInputs.labelReceipt,
      status: 'NOT_READY_FOR_TRAINING' as const,
      reasons: ['COVERAGE_BELOW_MIN:fraud_disposition'],
    };
    await expect(
      publish(
        training,
        { ...trainingInputs, replayReceipt: { ...trainingInputs.replayReceipt, status: 'COMPLETE' }, labelReceipt: notReady },
        { store },
      ),
    ).rejects.toMatchObject({ code: 'COVERAGE_POLICY_VIOLATION' });
    await expect(
      publish(plan, { ...inputs, replayReceipt: { ...replayReceipt, status: 'UNSATISFIABLE' } }, { store }),
    ).rejects.toMatchObject({ code: 'REPLAY_UNSATISFIABLE' });
    await expect(publish({ ...plan, intent_kind: 'parity_rebuild' }, inputs, { store })).rejects.toMatchObject({
      details: { gate: 'intent_kind' },
    });
    // Nothing referencing was written by the refused calls.
    const keys = await collect(store.list(`${RUN}/ofs/`));
    expect(keys.some((k) => k.includes('/manifests/') || k.includes('/index/') || k.includes('/plans/'))).toBe(false);
    const uncheckable = await publish(
      plan,
      { ...inputs, replayReceipt: { ...replayReceipt, status: 'UNCHECKABLE' } },
      { store: createMemoryObjectStore() },
    ).catch((e) => e);
    // Another store has no parts: the parts gate refuses.
    expect(uncheckable).toMatchObject({ code: 'PUBLISH_GATE_FAILED', details: { gate: 'parts' } });
    // A tampered receipt never overwrites the stored one.
    await expect(publish(plan, { ...inputs, replayReceipt: { ...replayReceipt, status: 'UNCHECKABLE' } }, { store })).rejects.toMatchObject(
      {
        code: 'ARTIFACT_IMMUTABILITY_VIOLATION',
      },
    );
    // A source that cannot tell its coverage: UNCHECKABLE → UNCHECKABLE_EXPLICIT for a non-training build.
    const other = createMemoryObjectStore();
    const blind = resolveReplay(plan, {
      eb: createMemoryReplaySource(events(10), { coverage: null }),
      archive: createMemoryReplaySource([], { coverage: null }),
      policy,
      store: other,
    });
    const built = await reconstruct(plan, blind.records, {
      labels: createLabelResolver(plan, { store: createMemoryLabelStore(), policy, artifacts: other }),
      profile: resolved(),
      store: other,
      policy,
    });
    const ok = await publish(
      plan,
      { replayReceipt: await blind.receipt, labelReceipt: built.labelReceipt as never, draft: built },
      { store: other },
    );
    expect(ok.manifest).toMatchObject({ status_class: 'UNCHECKABLE_EXPLICIT', replay_status: 'UNCHECKABLE' });
  });

  it('refuses a draft whose per-slice counts differ from the replay receipt', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    const replay = resolveReplay(plan, { eb: createMemoryReplaySource(events(10)), archive: createMemoryReplaySource([]), policy, store });
    const labels = createLabelResolver(plan, { store: createMemoryLabelStore(), policy, artifacts: store });
    const { draft, labelReceipt } = await reconstruct(plan, replay.records, { labels, profile: resolved(), store, policy });
    const replayReceipt = await replay.receipt;
    const tampered = { ...draft, slices: draft.slices.map((s) => ({ ...s, records: s.records - 1 })) };
    await expect(publish(plan, { replayReceipt, labelReceipt: labelReceipt as never, draft: tampered }, { store })).rejects.toMatchObject({
      code: 'PUBLISH_GATE_FAILED',
      details: { gate: 'slice_counts' },
    });
  });

  it('fails with MANIFEST_CONFLICT on different content under the same manifest id, and never overwrites', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    await buildAndPublish({ plan, policy, profile: resolved(), eb: events(10), store });
    const key = `${RUN}/ofs/manifests/${plan.dataset_manifest_id}.json`;
    const before = await store.get(key);
    // Same identity, other data (another plan id, same manifest id): a conflict.
    const other = { ...plan, plan_id: `plan_${'e'.repeat(32)}` };
    const error = await buildAndPublish({
      plan: other,
      policy,
      profile: resolved(),
      eb: events(10).map((r, i) => (i === 3 ? record(3, 'x', r.ts_utc, payment('c9', 'm9', '1')) : r)),
      store,
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'MANIFEST_CONFLICT' });
    expect(await store.get(key)).toEqual(before);
    expect(await store.get(`${RUN}/ofs/index/by_plan/${other.plan_id}.json`)).toBeUndefined();
  });

  it('links supersession before the manifest and validates the targets', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const old = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING', salt: 'old' });
    const { published: first } = await buildAndPublish({ plan: old, policy, profile: resolved(), eb: events(10), store });
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING', salt: 'new' });
    const inputs = { plan, policy, profile: resolved(), eb: events(10), store };
    await expect(buildAndPublish(inputs, { supersedes: [first.manifestKey] })).rejects.toMatchObject({ code: 'SUPERSESSION_INVALID' });
    await expect(buildAndPublish(inputs, { backfillReason: 'fix' })).rejects.toMatchObject({ code: 'SUPERSESSION_INVALID' });
    await expect(
      buildAndPublish(inputs, { supersedes: ['other_run/ofs/manifests/dm_0123456789abcdef0123456789abcdef.json'], backfillReason: 'x' }),
    ).rejects.toMatchObject({
      code: 'SUPERSESSION_INVALID',
    });
    await expect(buildAndPublish(inputs, { supersedes: [`dm_${'1'.repeat(32)}`], backfillReason: 'x' })).rejects.toMatchObject({
      code: 'SUPERSESSION_INVALID',
    });
    const { published } = await buildAndPublish(inputs, {
      supersedes: [first.manifest.dataset_manifest_id],
      backfillReason: ' late labels ',
    });
    expect(published.manifest.supersedes).toEqual([{ key: first.manifestKey, sha256: sha256Hex((await store.get(first.manifestKey))!) }]);
    expect(published.manifest.backfill_reason).toBe('late labels');
    const link = await readJson(store, published.manifest.supersession_link!.key);
    expect(link).toMatchObject({ dataset_manifest_id: plan.dataset_manifest_id, backfill_reason: 'late labels' });
  });

  it('republishes from the stored artifacts and checks their recorded digests', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    const { published } = await buildAndPublish({ plan, policy, profile: resolved(), eb: events(10), store });
    const stored = await loadPublishInputs(store, plan);
    const again = await publish(plan, stored, { store });
    expect(again).toMatchObject({ outcome: 'ALREADY_PUBLISHED', manifest: published.manifest });
    await expect(loadPublishInputs(store, plan, { draft: '0'.repeat(64) })).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
    await expect(loadPublishInputs(createMemoryObjectStore(), plan)).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
  });

  it('surfaces store failures during publication as retryable STORE_UNAVAILABLE, and a retry converges', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy();
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    await buildAndPublish({ plan, policy, profile: resolved(), eb: events(10), store }).catch(() => undefined);
    const fresh = createMemoryObjectStore();
    const stored = await loadPublishInputs(store, plan);
    for await (const key of store.list(`${RUN}/ofs/parts/`)) await fresh.putIfAbsent(key, (await store.get(key))!);
    let failNext = true;
    const flaky: ObjectStore = {
      ...fresh,
      get: fresh.get,
      list: fresh.list,
      async putIfAbsent(key, bytes, options) {
        if (key.includes('/manifests/') && failNext) {
          failNext = false;
          throw new Error('ECONNRESET');
        }
        return fresh.putIfAbsent(key, bytes, options);
      },
    };
    const error = await publish(plan, stored, { store: flaky }).catch((e) => e);
    expect(error).toBeInstanceOf(OfsError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    expect(await fresh.get(`${RUN}/ofs/manifests/${plan.dataset_manifest_id}.json`)).toBeUndefined();
    expect((await publish(plan, stored, { store: flaky })).outcome).toBe('NEW');
  });
});

describe('readDataset', () => {
  it('detects a flipped byte in a part', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy({ part_rows: 5 });
    const plan = testPlan({ slices: slice(9), policy, training: 'NON_TRAINING' });
    const { published } = await buildAndPublish({ plan, policy, profile: resolved(), eb: events(10), store });
    const part = published.manifest.parts[1]!;
    const bytes = (await store.get(part.key))!;
    bytes[17] = (bytes[17] as number) ^ 0x01;
    const corrupt: ObjectStore = {
      ...store,
      get: async (key, o) => (key === part.key ? bytes : store.get(key, o)),
      list: store.list,
      putIfAbsent: store.putIfAbsent,
    };
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const row of readDataset(published.manifestKey, { store: corrupt })) seen.push(row);
    })().catch((e) => e);
    expect(error).toMatchObject({ code: 'DATASET_INTEGRITY_VIOLATION', details: { part: part.key } });
    // Rows of the verified first part came through; none of the corrupt part did.
    expect(seen).toHaveLength(5);
    const missing: ObjectStore = { ...corrupt, get: async (key, o) => (key === part.key ? undefined : store.get(key, o)) };
    await expect(collect(readDataset(published.manifestKey, { store: missing }))).rejects.toMatchObject({
      code: 'DATASET_INTEGRITY_VIOLATION',
    });
  });
});
