import { createMemoryObjectStore, OFS_ERROR_CODES, type RunEvent, type RunRecord } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reduceMetrics } from './metrics.js';
import type { RunObservations } from './observations.js';
import { failedRun, PLATFORM_RUN, publishedRun, replayReceipt, runEvents, runRecord } from './test-fixtures.js';

async function mixedWorld(): Promise<RunObservations> {
  const store = createMemoryObjectStore();
  const a = await publishedRun(store, 'a', {
    rows: 120,
    from_archive: 20,
    coverage: 0.9,
    evidenceRefs: [
      { actor: 'w1', ref: `${PLATFORM_RUN}/sr/run_facts_view.json`, purpose: 'run_facts', outcome: 'RESOLVED' },
      { actor: 'w1', ref: 'other_run/sr/facts.json', purpose: 'parity_anchor', outcome: 'REF_SCOPE_MISMATCH' },
    ],
  });
  // Same dataset requested again under another request id: converges on the same manifest.
  const b = await publishedRun(store, 'b', { planName: 'a', rows: 120, from_archive: 20, coverage: 0.9, outcome: 'ALREADY_PUBLISHED' });
  const c = failedRun('c', 'REPLAY_BASIS_MISMATCH');
  const d = failedRun('d', 'PUBLISH_RETRY_EXHAUSTED', 'publish');
  const pendingBase = runRecord('e');
  const pendingEvents = runEvents(pendingBase, [
    ['SUBMITTED', 'QUEUED'],
    ['CLAIMED', 'RUNNING', { mode: 'FULL' }],
    ['REQUEUED', 'QUEUED', { error_code: 'STORE_UNAVAILABLE' }],
    ['CLAIMED', 'RUNNING', { mode: 'FULL' }],
    ['PUBLISH_PENDING', 'PUBLISH_PENDING', { error_code: 'STORE_UNAVAILABLE' }],
    ['CLAIMED', 'RUNNING', { mode: 'PUBLISH_ONLY' }],
    ['PUBLISH_PENDING', 'PUBLISH_PENDING', { error_code: 'SOMETHING_NOT_IN_THE_CATALOGUE' }],
  ]);
  const pending = runRecord('e', { state: 'PUBLISH_PENDING', version: pendingEvents.length });
  const cancelledBase = runRecord('f', { intent_kind: 'parity_rebuild' });
  const cancelled = { ...cancelledBase, state: 'CANCELLED' as const, version: 2 };
  const cancelledEvents = runEvents(cancelledBase, [
    ['SUBMITTED', 'QUEUED'],
    ['CANCELLED', 'CANCELLED'],
  ]);
  const queued = runRecord('g', { intent_kind: 'weird_kind' });
  return {
    runs: [a.run, b.run, c.run, d.run, pending, cancelled, queued],
    events: [...a.events, ...b.events, ...c.events, ...d.events, ...pendingEvents, ...cancelledEvents],
    replayReceipts: [a.replay, b.replay],
    labelReceipts: [a.labels, b.labels],
    manifests: [a.manifest, b.manifest],
  };
}

describe('reduceMetrics', () => {
  it('counts runs, outcomes, replay, labels, datasets, evidence refs and anomalies', async () => {
    const m = reduceMetrics(await mixedWorld());
    expect(m.build_requested).toBe(7);
    expect(m.build_completed).toBe(2);
    expect(m.build_failed).toBe(2);
    expect(m.build_failed_by_code).toEqual({ PUBLISH_RETRY_EXHAUSTED: 1, REPLAY_BASIS_MISMATCH: 1 });
    expect(m.datasets_built).toBe(1);
    expect(m.already_published).toBe(1);
    expect(m.publish_pending).toBe(1);
    expect(m.publish_retry_exhausted).toBe(1);
    expect(m.cancelled).toBe(1);
    expect(m.queued).toBe(1);
    expect(m.running).toBe(0);
    expect(m.requeued).toBe(1);
    expect(m.publish_retries).toBe(1);
    expect(m.by_intent_kind).toEqual({
      dataset_build: { requested: 5, completed: 2, failed: 2 },
      other: { requested: 1, completed: 0, failed: 0 },
      parity_rebuild: { requested: 1, completed: 0, failed: 0 },
    });
    expect(m.status_classes).toEqual({ COMPLETE_SUCCESS: 2 });
    // a and b share one plan: one receipt, counted once.
    expect(m.replay).toMatchObject({
      receipts: 1,
      events_replayed: 120,
      from_eb: 100,
      from_archive: 20,
      archive_used: 1,
      gaps: 0,
      missing_offsets: '0',
    });
    expect(m.labels).toMatchObject({ receipts: 1, subjects: 120, coverage_min: 0.9, not_ready: 0 });
    expect(m.datasets).toEqual({ manifests: 1, rows_total: 120, bytes_total: 12_000, parts: 1 });
    expect(m.evidence_refs).toEqual({ attempted: 2, resolved: 1, denied: 1, denied_by_code: { REF_SCOPE_MISMATCH: 1 } });
    expect(m.anomalies).toEqual({
      total: 6,
      by_code: { PUBLISH_RETRY_EXHAUSTED: 1, REF_SCOPE_MISMATCH: 1, REPLAY_BASIS_MISMATCH: 1, STORE_UNAVAILABLE: 2 },
      uncatalogued: 1,
    });
  });

  it('maps replay receipt anomalies onto catalogue codes and sums missing offsets exactly', () => {
    const run = runRecord('gap', { plan_id: `plan_${'1'.repeat(32)}`, state: 'DONE' });
    const receipt = replayReceipt(run.plan_id!, { records: 10, mismatches: 2, missing: '18446744073709551616', status: 'INCOMPLETE' });
    const m = reduceMetrics({ runs: [run], events: [], replayReceipts: [receipt] });
    expect(m.replay.missing_offsets).toBe('18446744073709551616');
    expect(m.replay.gaps).toBe(1);
    expect(m.replay.anomalies_by_code).toEqual({ REPLAY_BASIS_GAP: 1, REPLAY_BASIS_MISMATCH: 2 });
    expect(m.anomalies.by_code).toEqual({ REPLAY_BASIS_MISMATCH: 2, REPLAY_INCOMPLETE: 1 });
  });

  it('ignores receipts and events of runs that are not in scope', () => {
    const run = runRecord('x');
    const stranger = runRecord('y');
    const events = runEvents(stranger, [
      ['SUBMITTED', 'QUEUED'],
      ['REQUEUED', 'QUEUED', { error_code: 'STORE_UNAVAILABLE' }],
    ]);
    const m = reduceMetrics({ runs: [run], events, replayReceipts: [replayReceipt(`plan_${'2'.repeat(32)}`, { records: 5 })] });
    expect(m.requeued).toBe(0);
    expect(m.replay.receipts).toBe(0);
    expect(m.ledger).toEqual({ runs: 1, events: 0 });
  });

  it('gives the same metrics for the same observations in any order and with duplicates', async () => {
    const world = await mixedWorld();
    const expected = reduceMetrics(world);
    const shuffled = <T>(values: readonly T[]) =>
      fc.array(fc.integer({ min: 0, max: Math.max(0, values.length - 1) }), { maxLength: values.length }).chain((dups) =>
        fc.shuffledSubarray([...values, ...dups.map((i) => values[i]!)], {
          minLength: values.length + dups.length,
          maxLength: values.length + dups.length,
        }),
      );
    fc.assert(
      fc.property(
        shuffled(world.runs),
        shuffled(world.events),
        shuffled(world.replayReceipts ?? []),
        shuffled(world.labelReceipts ?? []),
        shuffled(world.manifests ?? []),
        (runs, events, replayReceipts, labelReceipts, manifests) => {
          expect(reduceMetrics({ runs, events, replayReceipts, labelReceipts, manifests })).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the newest version of a run read twice', () => {
    const old = runRecord('v', { state: 'RUNNING', version: 2 });
    const done = runRecord('v', { state: 'DONE', version: 3, manifest_key: 'p/ofs/manifests/x.json', outcome: 'NEW' });
    expect(reduceMetrics({ runs: [done, old], events: [] }).build_completed).toBe(1);
    expect(reduceMetrics({ runs: [old, done], events: [] }).running).toBe(0);
  });

  it('only ever uses catalogue codes as anomaly classes, whatever the events carry', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom<RunEvent['type']>('REQUEUED', 'PUBLISH_PENDING', 'EVIDENCE_REF', 'FAILED'),
            fc.oneof(fc.string(), fc.constantFrom(...OFS_ERROR_CODES)),
          ),
          {
            maxLength: 30,
          },
        ),
        fc.oneof(fc.string(), fc.constantFrom(...OFS_ERROR_CODES)),
        (steps, failure) => {
          const base = runRecord('fuzz');
          const events = runEvents(
            base,
            steps.map(([type, code]) => [
              type,
              'RUNNING',
              type === 'EVIDENCE_REF' ? { actor: 'w', ref: 'r', purpose: 'p', outcome: code } : { error_code: code },
            ]),
          );
          const run: RunRecord = { ...base, state: 'FAILED', last_error: { code: failure as never, message: 'x', retryable: false } };
          const m = reduceMetrics({ runs: [run], events });
          for (const key of Object.keys(m.anomalies.by_code)) expect(OFS_ERROR_CODES).toContain(key);
          for (const key of Object.keys(m.build_failed_by_code)) expect(OFS_ERROR_CODES).toContain(key);
          for (const key of Object.keys(m.evidence_refs.denied_by_code)) expect(OFS_ERROR_CODES).toContain(key);
          const sum = Object.values(m.anomalies.by_code).reduce((a, b) => a + b, 0);
          expect(m.anomalies.total).toBe(sum + m.anomalies.uncatalogued);
        },
      ),
    );
  });
});
