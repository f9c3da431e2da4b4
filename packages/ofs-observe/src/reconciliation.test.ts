import { createMemoryObjectStore, type ObjectStore } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { exportGovernanceFacts } from './governance.js';
import { collectObservations, type LedgerReader } from './observations.js';
import { buildReconciliation, writeReconciliation } from './reconciliation.js';
import { recordErrors } from './schema-validator.test-helper.js';
import { failedRun, PLATFORM_RUN, publishedRun, runRecord } from './test-fixtures.js';
import type { RunEvent, RunRecord } from '@ofs/contracts';

function ledgerOf(runs: RunRecord[], events: RunEvent[]): LedgerReader {
  return {
    async list(query) {
      const sorted = runs
        .filter((r) => query.platform_run_id === undefined || r.platform_run_id === query.platform_run_id)
        .sort((a, b) => (a.run_key < b.run_key ? -1 : 1));
      const page = query.after === undefined ? sorted : sorted.filter((r) => r.run_key > query.after!);
      return page.slice(0, query.limit ?? page.length);
    },
    async events(runKey) {
      return events.filter((e) => e.run_key === runKey);
    },
  };
}

async function world(store: ObjectStore) {
  const a = await publishedRun(store, 'a', { rows: 250 });
  const f = failedRun('f', 'REPLAY_INCOMPLETE');
  const other = runRecord('o', { platform_run_id: 'platform_run_b' });
  await exportGovernanceFacts([a.run, f.run], { store });
  return { runs: [a.run, f.run, other], events: [...a.events, ...f.events], a };
}

describe('reconciliation', () => {
  it('lists every artifact of the platform run with its digest, counts and health, and validates', async () => {
    const store = createMemoryObjectStore();
    const { runs, events, a } = await world(store);
    const observations = await collectObservations({ ledger: ledgerOf(runs, events), store, platformRunId: PLATFORM_RUN, pageSize: 1 });
    const rec = await buildReconciliation(observations, { store, platformRunId: PLATFORM_RUN });
    expect(recordErrors('learning.ofs_reconciliation.v1', rec)).toEqual([]);
    expect(rec.ledger).toMatchObject({ runs: 2, events: a.events.length + 3 });
    expect(rec.runs.map((r) => r.state).sort()).toEqual(['DONE', 'FAILED']);
    expect(rec.metrics).toMatchObject({ build_requested: 2, build_completed: 1, build_failed: 1, datasets_built: 1 });
    expect(rec.metrics.datasets.rows_total).toBe(250);
    expect(rec.health.state).toBe('RED');
    expect(rec.artifacts.manifests).toEqual(
      [a.manifest.evidence.plan.key.replace(/plans\/.*/, `manifests/${a.manifest.dataset_manifest_id}.json`)].map((key) =>
        expect.objectContaining({ key }),
      ),
    );
    expect(rec.artifacts.replay_receipts).toEqual([a.manifest.evidence.replay_receipt]);
    expect(rec.artifacts.label_receipts).toEqual([a.manifest.evidence.label_receipt]);
    expect(rec.artifacts.draft_receipts).toEqual([a.manifest.evidence.draft_receipt]);
    expect(rec.artifacts.plans).toEqual([a.manifest.evidence.plan]);
    expect(rec.artifacts.governance_facts).toHaveLength(2);
    expect(rec.problems).toEqual([]);
  });

  it('is reproducible: the same ledger and store give the same bytes, written once', async () => {
    const store = createMemoryObjectStore();
    const { runs, events } = await world(store);
    const one = await buildReconciliation({ runs, events }, { store, platformRunId: PLATFORM_RUN });
    const two = await buildReconciliation(
      { runs: [...runs].reverse(), events: [...events].reverse() },
      { store, platformRunId: PLATFORM_RUN },
    );
    expect(canonicalJson(two)).toBe(canonicalJson(one));
    const first = await writeReconciliation(one, store);
    const again = await writeReconciliation(two, store);
    expect(first.outcome).toBe('created');
    expect(again).toEqual({ ...first, outcome: 'identical' });
    expect(first.key).toMatch(new RegExp(`^${PLATFORM_RUN}/ofs/reconciliation/0{10}\\d{2}-[0-9a-f]{32}\\.json$`));
  });

  it('reports a DONE run whose manifest is missing and evidence whose bytes changed', async () => {
    const store = createMemoryObjectStore();
    const { runs, events, a } = await world(store);
    const ghost = runRecord('ghost', {
      state: 'DONE',
      manifest_key: `${PLATFORM_RUN}/ofs/manifests/dm_${'9'.repeat(32)}.json`,
      outcome: 'NEW',
    });
    const rec = await buildReconciliation({ runs: [...runs, ghost], events }, { store, platformRunId: PLATFORM_RUN });
    expect(rec.problems).toEqual([expect.objectContaining({ code: 'REF_NOT_FOUND', run_key: ghost.run_key, key: ghost.manifest_key })]);

    // Another store where the replay receipt's bytes differ from what the manifest recorded.
    const tampered = createMemoryObjectStore();
    for await (const key of store.list('')) {
      const bytes = (await store.get(key))!;
      await tampered.putIfAbsent(
        key,
        key === a.manifest.evidence.replay_receipt.key ? new TextEncoder().encode('{"tampered":true}') : bytes,
      );
    }
    const bad = await buildReconciliation({ runs, events }, { store: tampered, platformRunId: PLATFORM_RUN });
    expect(bad.problems).toEqual([expect.objectContaining({ code: 'ARTIFACT_CORRUPT', key: a.manifest.evidence.replay_receipt.key })]);
  });
});
