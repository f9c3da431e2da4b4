import { isOfsError, isOfsErrorCode, type ObjectStore, OfsError, type ReplayRecord } from '@ofs/contracts';
import { canonicalJson, envelopeHash, writeOnceJson } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import { DEMO_PLATFORM_RUN_ID } from './demo/generate.js';
import { demoRunFacts } from './demo/fixtures.js';
import { keysUnder, manualClock, memoryWorld } from './test-support/memory-world.js';

const PRID = DEMO_PLATFORM_RUN_ID;

async function publishedNothing(store: ObjectStore): Promise<void> {
  expect(await keysUnder(store, `${PRID}/ofs/manifests/`)).toEqual([]);
  expect(await keysUnder(store, `${PRID}/ofs/index/`)).toEqual([]);
}

describe('createCorridor: build, converge, reuse by plan', () => {
  it('builds once; the same request is idempotent; a second request id with the same meaning reuses the manifest before any replay', async () => {
    const world = await memoryWorld();
    const { corridor } = world;
    const first = await corridor.submit(world.intent());
    expect(first.created).toBe(true);
    const done = await corridor.runBuild(first.run.run_key);
    expect(done).toMatchObject({ state: 'DONE', outcome: 'NEW', status_class: 'COMPLETE_SUCCESS' });
    expect(done.manifest_key).toMatch(new RegExp(`^${PRID}/ofs/manifests/dm_[0-9a-f]{32}\\.json$`));

    const again = await corridor.submit(world.intent());
    expect(again.created).toBe(false);
    expect((await corridor.runBuild(again.run.run_key)).version).toBe(done.version);

    const reads = world.eb.reads + world.archive.reads;
    const other = await corridor.submit(world.intent({ request_id: 'test.build.0002.same-meaning' }));
    const reused = await corridor.runBuild(other.run.run_key);
    expect(reused).toMatchObject({ state: 'DONE', outcome: 'ALREADY_PUBLISHED', manifest_key: done.manifest_key, plan_id: done.plan_id });
    expect(world.eb.reads + world.archive.reads).toBe(reads);
    expect(await keysUnder(world.store, `${PRID}/ofs/manifests/`)).toHaveLength(1);
  });

  it('stamps the run-config digest on the run and into the manifest', async () => {
    const world = await memoryWorld();
    const { run } = await world.corridor.submit(world.intent());
    expect(run.run_config_digest).toBe(await world.corridor.runConfigDigest(world.intent()));
    const done = await world.corridor.runBuild(run.run_key);
    const manifest = JSON.parse(new TextDecoder().decode(await world.store.get(done.manifest_key!)));
    expect(manifest.provenance.run_config_digest).toBe(run.run_config_digest);
  });

  it('planOnly resolves the plan and feasibility without reading a record or touching the ledger', async () => {
    const world = await memoryWorld();
    const answer = await world.corridor.planOnly(world.intent());
    expect(answer.feasibility).toMatchObject({ status: 'FEASIBLE_REQUIRES_ARCHIVE' });
    expect(answer.publishedManifestKey).toBeNull();
    expect(world.eb.reads + world.archive.reads).toBe(0);
    expect(await world.corridor.ledger.list()).toEqual([]);
  });
});

describe('fail-closed matrix: each ends FAILED with its code and publishes nothing', () => {
  const overlapOffset = (records: ReplayRecord[], other: ReplayRecord[]) => {
    const held = new Set(other.map((r) => `${r.topic}/${r.partition}/${r.offset}`));
    return records.findIndex((r) => held.has(`${r.topic}/${r.partition}/${r.offset}`));
  };

  const cases: { name: string; code: string; setup: () => Promise<{ world: Awaited<ReturnType<typeof memoryWorld>>; intent: unknown }> }[] =
    [
      {
        name: 'replay mismatch (EB and Archive disagree at one offset)',
        code: 'REPLAY_BASIS_MISMATCH',
        async setup() {
          let ebCopy: ReplayRecord[] = [];
          const world = await memoryWorld({
            eb: (records) => (ebCopy = records),
            archive: (records) => {
              const i = overlapOffset(records, ebCopy);
              const payload = { ...records[i]!.payload, amount: '999999.99' };
              const tampered = { ...records[i]!, payload, payload_hash: envelopeHash({ ...records[i]!, payload }) };
              return records.map((r, j) => (j === i ? tampered : r));
            },
          });
          return { world, intent: world.intent() };
        },
      },
      {
        name: 'incomplete basis (a dense offset missing inside coverage)',
        code: 'REPLAY_INCOMPLETE',
        async setup() {
          const world = await memoryWorld({ eb: (records) => records.filter((_, i) => i !== records.length - 5) });
          return { world, intent: world.intent() };
        },
      },
      {
        name: 'label coverage below policy',
        code: 'COVERAGE_POLICY_VIOLATION',
        async setup() {
          const world = await memoryWorld({ policy: { min_label_coverage: 0.99 } });
          return { world, intent: world.intent() };
        },
      },
      {
        name: 'unresolved feature profile',
        code: 'FEATURE_PROFILE_UNRESOLVED',
        async setup() {
          const world = await memoryWorld();
          return { world, intent: world.intent({ feature_definition_set: { feature_set_id: 'fraud-demo', feature_set_version: 'v9' } }) };
        },
      },
      {
        name: 'no PASS evidence',
        code: 'NO_PASS_NO_READ',
        async setup() {
          const world = await memoryWorld();
          const facts = demoRunFacts();
          const failed = { ...facts, gate_receipts: facts.gate_receipts!.map((g) => ({ ...g, status: 'FAIL' })) };
          await writeOnceJson(world.store, `${PRID}/sr/run_facts_view.failed.json`, failed);
          return { world, intent: world.intent({ run_facts_ref: `${PRID}/sr/run_facts_view.failed.json` }) };
        },
      },
      {
        name: 'hostile ref (path traversal)',
        code: 'REF_INVALID',
        async setup() {
          const world = await memoryWorld();
          return { world, intent: world.intent({ run_facts_ref: `${PRID}/../../etc/passwd` }) };
        },
      },
      {
        name: "hostile ref (another platform run's prefix)",
        code: 'REF_SCOPE_MISMATCH',
        async setup() {
          const world = await memoryWorld();
          await writeOnceJson(world.store, 'platform_other_002/sr/run_facts_view.json', {
            ...demoRunFacts(),
            platform_run_id: 'platform_other_002',
          });
          return { world, intent: world.intent({ run_facts_ref: 'platform_other_002/sr/run_facts_view.json' }) };
        },
      },
    ];

  for (const c of cases) {
    it(`${c.name} → ${c.code}`, async () => {
      const { world, intent } = await c.setup();
      const { run } = await world.corridor.submit(intent);
      const settled = await world.corridor.runBuild(run.run_key);
      expect(settled.state).toBe('FAILED');
      expect(settled.last_error?.code).toBe(c.code);
      expect(settled.full_run_attempts).toBe(1);
      await publishedNothing(world.store);
      if (c.code.startsWith('REF_')) {
        const events = await world.corridor.ledger.events(run.run_key);
        expect(events.some((e) => e.type === 'EVIDENCE_REF' && e.details.outcome === c.code)).toBe(true);
      }
    });
  }

  it('config-digest mismatch → RUN_CONFIG_DIGEST_MISMATCH, nothing built (not even the plan)', async () => {
    const world = await memoryWorld();
    const { run } = await world.corridor.submit(world.intent());
    // A worker whose policy content differs under the same revision (e.g. an edited gate).
    const worker = createCorridor({ ...world.deps, policy: { ...world.policy, min_label_coverage: 0.6 } });
    const settled = await worker.runBuild(run.run_key);
    expect(settled).toMatchObject({ state: 'FAILED', last_error: { code: 'RUN_CONFIG_DIGEST_MISMATCH' } });
    expect(await keysUnder(world.store, `${PRID}/ofs/`)).toEqual([]);
    expect(world.eb.reads + world.archive.reads).toBe(0);
  });
});

describe('retries, budgets and publish-only recovery', () => {
  it('a retryable failure before publication requeues within the full-run budget, then FAILED/RUN_ATTEMPTS_EXHAUSTED', async () => {
    const world = await memoryWorld();
    const failing = createCorridor({
      ...world.deps,
      eb: {
        coverage: (slice, o) => world.eb.coverage(slice, o),
        // biome-ignore lint/correctness/useYield: a source that fails before its first record
        async *read() {
          throw new OfsError('REPLAY_SOURCE_UNAVAILABLE', { message: 'EB broker unreachable' });
        },
      },
    });
    const { run } = await failing.submit(world.intent());
    const summary = await failing.work({ once: true });
    const settled = await failing.ledger.get(run.run_key);
    expect(settled).toMatchObject({ state: 'FAILED', full_run_attempts: 3, last_error: { code: 'RUN_ATTEMPTS_EXHAUSTED' } });
    const events = await failing.ledger.events(run.run_key);
    expect(events.filter((e) => e.type === 'REQUEUED')).toHaveLength(2);
    expect(summary.states.FAILED).toBe(1);
    await publishedNothing(world.store);
  });

  it('a storage failure during publication → PUBLISH_PENDING → retryPublish → DONE without re-running replay', async () => {
    let failManifestWrites = 1;
    const world = await memoryWorld({
      wrapStore: (store) => ({
        ...store,
        list: (prefix, o) => store.list(prefix, o),
        async putIfAbsent(key, bytes, o) {
          if (key.includes('/ofs/manifests/') && failManifestWrites-- > 0)
            throw new OfsError('STORE_UNAVAILABLE', { message: 'disk full' });
          return store.putIfAbsent(key, bytes, o);
        },
      }),
    });
    const { run } = await world.corridor.submit(world.intent());
    const pending = await world.corridor.runBuild(run.run_key);
    expect(pending).toMatchObject({ state: 'PUBLISH_PENDING', last_error: { code: 'STORE_UNAVAILABLE', stage: 'publish' } });
    await publishedNothing(world.store);
    const reads = world.eb.reads + world.archive.reads;
    const done = await world.corridor.retryPublish(run.run_key);
    expect(done).toMatchObject({ state: 'DONE', outcome: 'NEW', publish_retry_attempts: 1, full_run_attempts: 1 });
    expect(world.eb.reads + world.archive.reads).toBe(reads);
  });

  it('publication failing every time ends FAILED/PUBLISH_RETRY_EXHAUSTED after the publish budget', async () => {
    const world = await memoryWorld({
      wrapStore: (store) => ({
        ...store,
        list: (prefix, o) => store.list(prefix, o),
        async putIfAbsent(key, bytes, o) {
          if (key.includes('/ofs/manifests/')) throw new OfsError('STORE_UNAVAILABLE', { message: 'disk full' });
          return store.putIfAbsent(key, bytes, o);
        },
      }),
    });
    const { run } = await world.corridor.submit(world.intent());
    let current = await world.corridor.runBuild(run.run_key);
    for (let i = 0; i < 5 && current.state === 'PUBLISH_PENDING'; i++) current = await world.corridor.retryPublish(run.run_key);
    expect(current).toMatchObject({ state: 'FAILED', last_error: { code: 'PUBLISH_RETRY_EXHAUSTED' }, publish_retry_attempts: 3 });
    await publishedNothing(world.store);
  });

  it('retryPublish reloads the run’s own artifacts and refuses ones whose bytes changed since the build', async () => {
    let failManifestWrites = 1;
    let tamper = false;
    const world = await memoryWorld({
      wrapStore: (store) => ({
        ...store,
        list: (prefix, o) => store.list(prefix, o),
        async get(key, o) {
          const bytes = await store.get(key, o);
          if (tamper && bytes && key.includes('/ofs/drafts/')) {
            const draft = JSON.parse(new TextDecoder().decode(bytes));
            return new TextEncoder().encode(canonicalJson({ ...draft, rows_total: draft.rows_total + 1 }));
          }
          return bytes;
        },
        async putIfAbsent(key, bytes, o) {
          if (key.includes('/ofs/manifests/') && failManifestWrites-- > 0)
            throw new OfsError('STORE_UNAVAILABLE', { message: 'disk full' });
          return store.putIfAbsent(key, bytes, o);
        },
      }),
    });
    const { run } = await world.corridor.submit(world.intent());
    expect((await world.corridor.runBuild(run.run_key)).state).toBe('PUBLISH_PENDING');
    tamper = true;
    const settled = await world.corridor.retryPublish(run.run_key);
    expect(settled.state).toBe('FAILED');
    expect(settled.last_error?.code).toBe('ARTIFACT_CORRUPT');
    await publishedNothing(world.store);
  });

  it('retryPublish of a run that is not PUBLISH_PENDING is RUN_STATE_INVALID', async () => {
    const world = await memoryWorld();
    const { run } = await world.corridor.submit(world.intent());
    const error = await world.corridor.retryPublish(run.run_key).catch((e: unknown) => e);
    expect(isOfsError(error, 'RUN_STATE_INVALID')).toBe(true);
  });
});

describe('poison runs', () => {
  it('a run whose port throws a raw error ends FAILED with a catalogue code, and the worker loop goes on with the next run', async () => {
    const world = await memoryWorld();
    const profiles = world.deps.profiles;
    const corridor = createCorridor({
      ...world.deps,
      profiles: {
        resolve: (id, version, o) => {
          if (version === 'poison') throw new TypeError("Cannot read properties of undefined (reading 'x')");
          return profiles.resolve(id, version, o);
        },
      },
    });
    const poison = await corridor.submit(
      world.intent({
        request_id: 'test.poison.0001',
        feature_definition_set: { feature_set_id: 'fraud-demo', feature_set_version: 'poison' },
      }),
    );
    const good = await corridor.submit(world.intent());
    const summary = await corridor.work({ once: true });
    expect(summary).toMatchObject({ processed: 2, states: { FAILED: 1, DONE: 1 } });
    const failed = await corridor.ledger.get(poison.run.run_key);
    expect(failed.state).toBe('FAILED');
    expect(isOfsErrorCode(failed.last_error?.code)).toBe(true);
    expect(await corridor.ledger.get(good.run.run_key)).toMatchObject({ state: 'DONE', outcome: 'NEW' });
  });
});

describe('leases, crashes and cancellation', () => {
  it('a run whose worker died (lease expired) is resumed by another worker and converges on the same manifest', async () => {
    const clock = manualClock();
    const world = await memoryWorld({ clock, leaseMs: 1_000 });
    const reference = await memoryWorld();
    const refRun = await reference.corridor.runBuild((await reference.corridor.submit(reference.intent())).run.run_key);

    const { run } = await world.corridor.submit(world.intent());
    const crashed = await world.corridor.ledger.claim({ worker: 'crashed-worker', leaseMs: 1_000 });
    expect(crashed?.run.run_key).toBe(run.run_key);
    // Still leased: nobody else may take it.
    expect(await world.corridor.ledger.claim({ worker: 'other', leaseMs: 1_000 })).toBeUndefined();
    clock.advance(1_001);
    const summary = await world.corridor.work({ once: true });
    expect(summary.processed).toBe(1);
    const done = await world.corridor.ledger.get(run.run_key);
    expect(done).toMatchObject({ state: 'DONE', outcome: 'NEW', full_run_attempts: 2 });
    expect(done.manifest_key).toBe(refRun.manifest_key);
    expect(await world.store.get(done.manifest_key!)).toEqual(await reference.store.get(refRun.manifest_key!));
    // The crashed worker's late move is fenced off.
    const late = await world.corridor.ledger
      .fail(run.run_key, crashed!.lease.token, { code: 'INTERNAL_ERROR', message: 'late' })
      .catch((e: unknown) => e);
    expect(isOfsError(late, 'LEASE_LOST')).toBe(true);
  });

  it('an AbortSignal at a stage boundary releases the lease without using up the budget; the run then completes', async () => {
    const controller = new AbortController();
    const world = await memoryWorld();
    const corridor = createCorridor({
      ...world.deps,
      onProgress: (e) => {
        if (e.stage === 'replay') controller.abort(new Error('shutdown'));
      },
    });
    const { run } = await corridor.submit(world.intent());
    const released = await corridor.runBuild(run.run_key, { signal: controller.signal });
    expect(released).toMatchObject({ state: 'QUEUED', full_run_attempts: 0 });
    await publishedNothing(world.store);
    const done = await world.corridor.runBuild(run.run_key);
    expect(done).toMatchObject({ state: 'DONE', outcome: 'NEW', full_run_attempts: 1 });
  });
});
