import { createMemoryObjectStore, type GovernanceFact, type ObjectStore, OfsError, type RunRecord } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { exportGovernanceFacts, governanceFactId, governanceFactsOf, listGovernanceFacts } from './governance.js';
import { recordErrors } from './schema-validator.test-helper.js';
import { failedRun, PLATFORM_RUN, publishedRun, runRecord } from './test-fixtures.js';

async function runs(): Promise<RunRecord[]> {
  const store = createMemoryObjectStore();
  const done = (await publishedRun(store, 'a')).run;
  const backfill = {
    ...(await publishedRun(store, 'b')).run,
    supersedes: [`${PLATFORM_RUN}/ofs/manifests/dm_${'0'.repeat(32)}.json`],
    backfill_reason: 'late labels',
  };
  const failed = failedRun('c', 'NO_PASS_NO_READ', 'plan').run;
  const exhausted = failedRun('d', 'PUBLISH_RETRY_EXHAUSTED', 'publish').run;
  const queued = runRecord('e');
  return [done, backfill, failed, exhausted, queued];
}

/** A store that refuses every write after the first `budget` writes (a crash mid-export). */
function crashingStore(inner: ObjectStore, budget: number): ObjectStore {
  let left = budget;
  return {
    get: (key, o) => inner.get(key, o),
    list: (prefix, o) => inner.list(prefix, o),
    async putIfAbsent(key, bytes, o) {
      if (left <= 0) throw new Error('crash');
      left -= 1;
      return inner.putIfAbsent(key, bytes, o);
    },
  };
}

function recordingBus(failFirst = 0) {
  const published: GovernanceFact[] = [];
  let failures = failFirst;
  return {
    published,
    bus: {
      name: 'test-bus',
      async publish(fact: GovernanceFact) {
        if (failures > 0) {
          failures -= 1;
          throw new Error('bus down');
        }
        published.push(fact);
      },
    },
  };
}

describe('governance facts', () => {
  it('states the lifecycle facts of each run, with ids from run key and fact type', async () => {
    const [done, backfill, failed, exhausted, queued] = await runs();
    expect(governanceFactsOf(done!).map((f) => f.fact_type)).toEqual(['DATASET_PUBLISHED']);
    expect(governanceFactsOf(backfill!).map((f) => f.fact_type)).toEqual(['BACKFILL_DECLARED', 'DATASET_PUBLISHED', 'DATASET_SUPERSEDED']);
    expect(governanceFactsOf(failed!).map((f) => f.fact_type)).toEqual(['DATASET_BUILD_FAILED']);
    expect(governanceFactsOf(exhausted!).map((f) => f.fact_type)).toEqual(['DATASET_BUILD_FAILED', 'PUBLISH_RETRY_EXHAUSTED']);
    expect(governanceFactsOf(queued!)).toEqual([]);
    const published = governanceFactsOf(done!)[0]!;
    expect(published.fact_id).toBe(governanceFactId(done!.run_key, 'DATASET_PUBLISHED'));
    expect(published.fact_id).toMatch(/^gf_[0-9a-f]{32}$/);
    expect(published).toMatchObject({ manifest_key: done!.manifest_key, details: { outcome: 'NEW', status_class: 'COMPLETE_SUCCESS' } });
    expect(governanceFactId(done!.run_key, 'DATASET_PUBLISHED')).not.toBe(governanceFactId(done!.run_key, 'DATASET_BUILD_FAILED'));
    for (const run of await runs())
      for (const fact of governanceFactsOf(run)) expect(recordErrors('learning.ofs_governance_fact.v1', fact)).toEqual([]);
  });

  it('declares a backfill with the same bytes before and after the run finishes', async () => {
    const [, backfill] = await runs();
    const atSubmission: RunRecord = {
      ...backfill!,
      state: 'QUEUED',
      plan_id: null,
      manifest_key: null,
      outcome: null,
      status_class: null,
      updated_at_ms: backfill!.created_at_ms,
    };
    expect(governanceFactsOf(atSubmission)).toEqual([governanceFactsOf(backfill!)[0]]);
  });

  it('writes facts first, then announces them; exporting again writes and sends nothing new', async () => {
    const store = createMemoryObjectStore();
    const { bus, published } = recordingBus();
    const all = await runs();
    const first = await exportGovernanceFacts(all, { store, bus });
    expect(first).toMatchObject({ created: 7, existing: 0, delivered: 7 });
    expect(published.map((f) => f.fact_id).sort()).toEqual(first.facts.map((f) => f.fact_id));
    const second = await exportGovernanceFacts(all, { store, bus });
    expect(second).toMatchObject({ created: 0, existing: 7, delivered: 0 });
    expect(published).toHaveLength(7);
    expect((await listGovernanceFacts(store, PLATFORM_RUN)).map((f) => f.fact_id)).toEqual(first.facts.map((f) => f.fact_id));
  });

  it('loses nothing when the export crashes after any write', async () => {
    const all = await runs();
    for (let budget = 0; budget < 14; budget++) {
      const inner = createMemoryObjectStore();
      const { bus, published } = recordingBus();
      await expect(exportGovernanceFacts(all, { store: crashingStore(inner, budget), bus })).rejects.toSatisfy(
        (e) => e instanceof OfsError && e.code === 'STORE_UNAVAILABLE',
      );
      const after = await exportGovernanceFacts(all, { store: inner, bus });
      const stored = await listGovernanceFacts(inner, PLATFORM_RUN);
      expect(stored).toHaveLength(7);
      expect(new Set(published.map((f) => f.fact_id))).toEqual(new Set(stored.map((f) => f.fact_id)));
      expect(after.created + after.existing).toBe(7);
    }
  });

  it('keeps a fact whose announcement failed and announces it on the next export', async () => {
    const store = createMemoryObjectStore();
    const { bus, published } = recordingBus(1);
    const all = await runs();
    await expect(exportGovernanceFacts(all, { store, bus })).rejects.toSatisfy(
      (e) => e instanceof OfsError && e.code === 'CONTROL_BUS_UNAVAILABLE' && e.retryable,
    );
    expect(await listGovernanceFacts(store, PLATFORM_RUN)).toHaveLength(1);
    const retry = await exportGovernanceFacts(all, { store, bus });
    expect(retry.delivered).toBe(7);
    expect(published).toHaveLength(7);
  });

  it('refuses to overwrite a stored fact with different bytes', async () => {
    const store = createMemoryObjectStore();
    const [done] = await runs();
    await exportGovernanceFacts([done!], { store });
    const tampered: RunRecord = { ...done!, updated_at_ms: done!.updated_at_ms + 1 };
    await expect(exportGovernanceFacts([tampered], { store })).rejects.toSatisfy(
      (e) => e instanceof OfsError && e.code === 'ARTIFACT_IMMUTABILITY_VIOLATION',
    );
  });
});
