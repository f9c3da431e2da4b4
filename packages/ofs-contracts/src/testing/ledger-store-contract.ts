import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimDecision, LedgerStore, NewRunEvent } from '../ports/ledger-store.js';
import type { RunRecord, RunState } from '../records/run.js';
import { expectCode } from './expect-code.js';

/** A minimal valid run record for store tests; `overrides` win. */
export function sampleRunRecord(runKey: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    schema_version: 'learning.ofs_run_record.v1',
    run_key: runKey,
    request_id: `req.${runKey}`,
    platform_run_id: 'platform_run_a',
    intent_kind: 'dataset_build',
    intent_payload_hash: 'a'.repeat(64),
    intent: { request_id: `req.${runKey}`, filters: { country: ['DE', 'FR'], note: 'é ☃ 😀 "q" \\ \n' } },
    state: 'QUEUED',
    mode: 'NONE',
    version: 1,
    full_run_attempts: 0,
    publish_retry_attempts: 0,
    lease: null,
    last_lease_token: null,
    outcome: null,
    manifest_key: null,
    status_class: null,
    last_error: null,
    supersedes: [],
    backfill_reason: null,
    run_config_digest: null,
    plan_id: null,
    created_at_ms: 1_000,
    updated_at_ms: 1_000,
    ...overrides,
  };
}

function event(type: NewRunEvent['type'], from: RunState | null, to: RunState, details: Record<string, unknown> = {}): NewRunEvent {
  return { type, from_state: from, to_state: to, at_ms: 1_000, worker: null, details };
}

function claimAs(worker: string, nowMs: number, leaseMs = 60_000): (run: RunRecord) => ClaimDecision {
  return (run) => {
    const token = `${run.run_key}.${run.version + 1}`;
    const next: RunRecord = {
      ...run,
      state: 'RUNNING',
      mode: 'FULL',
      version: run.version + 1,
      full_run_attempts: run.full_run_attempts + 1,
      lease: { token, worker, expires_at_ms: nowMs + leaseMs },
      last_lease_token: token,
      updated_at_ms: nowMs,
    };
    return { kind: 'claim', next, events: [{ ...event('CLAIMED', run.state, 'RUNNING', { worker }), worker }] };
  };
}

/**
 * The contract every `LedgerStore` adapter must pass (memory, PGlite, PostgreSQL server, …).
 * `make` returns a fresh, empty store each time; the suite calls `close()` on it afterwards.
 *
 * @example
 * describeLedgerStoreContract('memory', async () => createMemoryLedgerStore());
 */
export function describeLedgerStoreContract(name: string, make: () => Promise<LedgerStore>): void {
  describe(`LedgerStore contract: ${name}`, () => {
    const opened: LedgerStore[] = [];
    const fresh = async (): Promise<LedgerStore> => {
      const store = await make();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.();
    });

    it('creates a run once and returns the stored run on a second create', async () => {
      const store = await fresh();
      const run = sampleRunRecord('k1');
      const first = await store.create(run, [event('SUBMITTED', null, 'QUEUED', { n: 1 })]);
      expect(first.created).toBe(true);
      expect(first.run).toEqual(run);
      const second = await store.create(sampleRunRecord('k1', { intent_payload_hash: 'b'.repeat(64) }), [
        event('SUBMITTED', null, 'QUEUED'),
      ]);
      expect(second.created).toBe(false);
      expect(second.run).toEqual(run);
      const events = await store.events('k1');
      expect(events).toEqual([
        { run_key: 'k1', seq: 1, type: 'SUBMITTED', from_state: null, to_state: 'QUEUED', at_ms: 1_000, worker: null, details: { n: 1 } },
      ]);
    });

    it('round-trips every field of a run, including nested JSON and non-ASCII text', async () => {
      const store = await fresh();
      const run = sampleRunRecord('k-round', {
        state: 'DONE',
        mode: 'NONE',
        lease: null,
        last_lease_token: 'tok',
        outcome: 'NEW',
        manifest_key: 'p/ofs/manifests/dm_x.json',
        status_class: 'COMPLETE_SUCCESS',
        last_error: { code: 'LEDGER_UNAVAILABLE', message: 'ü', retryable: true, stage: 'publish' },
        supersedes: ['dm_a', 'dm_b'],
        backfill_reason: 'late labels',
        run_config_digest: 'c'.repeat(64),
        plan_id: 'plan_0123',
        manifest_sha256: 'f'.repeat(64),
        full_run_attempts: 2,
        publish_retry_attempts: 1,
        created_at_ms: 1_763_700_000_123,
        updated_at_ms: 1_763_700_000_456,
      });
      await store.create(run, []);
      expect(await store.get('k-round')).toEqual(run);
    });

    it('returns undefined and no events for an unknown run', async () => {
      const store = await fresh();
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.events('nope')).toEqual([]);
      const result = await store.update('nope', { state: 'QUEUED', version: 1 }, sampleRunRecord('nope', { version: 2 }), []);
      expect(result).toEqual({ applied: false, run: undefined });
    });

    it('applies a compare-and-set only at the expected state and version, appending events in sequence', async () => {
      const store = await fresh();
      const run = sampleRunRecord('k2');
      await store.create(run, [event('SUBMITTED', null, 'QUEUED')]);
      const next = { ...run, state: 'CANCELLED' as const, version: 2, updated_at_ms: 2_000 };
      const wrongState = await store.update('k2', { state: 'RUNNING', version: 1 }, next, [event('CANCELLED', 'RUNNING', 'CANCELLED')]);
      expect(wrongState).toEqual({ applied: false, run });
      const wrongVersion = await store.update('k2', { state: 'QUEUED', version: 7 }, next, [event('CANCELLED', 'QUEUED', 'CANCELLED')]);
      expect(wrongVersion).toEqual({ applied: false, run });
      expect(await store.events('k2')).toHaveLength(1);
      const ok = await store.update('k2', { state: 'QUEUED', version: 1 }, next, [
        event('STAGE', 'QUEUED', 'QUEUED', { stage: 'x' }),
        event('CANCELLED', 'QUEUED', 'CANCELLED', { by: 'test' }),
      ]);
      expect(ok).toEqual({ applied: true, run: next });
      expect(await store.get('k2')).toEqual(next);
      const events = await store.events('k2');
      expect(events.map((e) => [e.seq, e.type, e.details])).toEqual([
        [1, 'SUBMITTED', {}],
        [2, 'STAGE', { stage: 'x' }],
        [3, 'CANCELLED', { by: 'test' }],
      ]);
      const again = await store.update('k2', { state: 'QUEUED', version: 1 }, { ...next, version: 2 }, [
        event('CANCELLED', 'QUEUED', 'CANCELLED'),
      ]);
      expect(again).toEqual({ applied: false, run: next });
    });

    it('lets exactly one of many concurrent compare-and-sets from one version win', async () => {
      const store = await fresh();
      const run = sampleRunRecord('k3');
      await store.create(run, [event('SUBMITTED', null, 'QUEUED')]);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.update('k3', { state: 'QUEUED', version: 1 }, { ...run, version: 2, backfill_reason: `w${i}` }, [
            event('STAGE', 'QUEUED', 'QUEUED', { i }),
          ]),
        ),
      );
      const winners = results.filter((r) => r.applied);
      expect(winners).toHaveLength(1);
      const stored = await store.get('k3');
      expect(stored?.backfill_reason).toBe(winners[0]?.run?.backfill_reason);
      expect((await store.events('k3')).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('creates exactly one run under many concurrent creates of one key', async () => {
      const store = await fresh();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.create(sampleRunRecord('k4', { backfill_reason: `c${i}` }), [event('SUBMITTED', null, 'QUEUED', { i })]),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await store.get('k4');
      for (const r of results) expect(r.run).toEqual(stored);
      expect(await store.events('k4')).toHaveLength(1);
    });

    it('claims the oldest claimable run and never offers terminal runs or live leases', async () => {
      const store = await fresh();
      await store.create(sampleRunRecord('done', { state: 'DONE', created_at_ms: 1 }), []);
      await store.create(sampleRunRecord('failed', { state: 'FAILED', created_at_ms: 2 }), []);
      await store.create(sampleRunRecord('cancelled', { state: 'CANCELLED', created_at_ms: 3 }), []);
      await store.create(
        sampleRunRecord('live', {
          state: 'RUNNING',
          mode: 'FULL',
          lease: { token: 't', worker: 'w0', expires_at_ms: 10_000 },
          created_at_ms: 4,
        }),
        [],
      );
      await store.create(sampleRunRecord('young', { created_at_ms: 20 }), []);
      await store.create(sampleRunRecord('old', { created_at_ms: 10 }), []);
      const seen: string[] = [];
      const first = await store.claimNext({ now_ms: 5_000 }, (run) => {
        seen.push(run.run_key);
        return claimAs('w1', 5_000)(run);
      });
      expect(seen).toEqual(['old']);
      expect(first?.run_key).toBe('old');
      expect(first?.state).toBe('RUNNING');
      expect(await store.get('old')).toEqual(first);
      expect((await store.events('old')).map((e) => e.type)).toEqual(['CLAIMED']);
      const second = await store.claimNext({ now_ms: 5_000 }, claimAs('w1', 5_000));
      expect(second?.run_key).toBe('young');
      expect(await store.claimNext({ now_ms: 5_000 }, claimAs('w1', 5_000))).toBeUndefined();
      const expired = await store.claimNext({ now_ms: 10_000 }, claimAs('w2', 10_000));
      expect(expired?.run_key).toBe('live');
      expect(expired?.lease?.worker).toBe('w2');
    });

    it('round-trips not_before_ms on create and update', async () => {
      const store = await fresh();
      const run = sampleRunRecord('k-nb', { not_before_ms: 1_763_700_000_999 });
      await store.create(run, []);
      expect(await store.get('k-nb')).toEqual(run);
      const next = { ...run, version: 2, not_before_ms: null, manifest_sha256: 'a'.repeat(64) };
      expect((await store.update('k-nb', { state: 'QUEUED', version: 1 }, next, [])).applied).toBe(true);
      expect(await store.get('k-nb')).toEqual(next);
    });

    it('offers a QUEUED or PUBLISH_PENDING run only once its not_before_ms has passed', async () => {
      const store = await fresh();
      await store.create(sampleRunRecord('wait-q', { created_at_ms: 1, not_before_ms: 500 }), []);
      await store.create(sampleRunRecord('wait-p', { state: 'PUBLISH_PENDING', created_at_ms: 2, not_before_ms: 700 }), []);
      await store.create(sampleRunRecord('free', { created_at_ms: 3, not_before_ms: null }), []);
      const seen: string[] = [];
      const spy = (now: number) => (run: RunRecord) => {
        seen.push(run.run_key);
        return claimAs('w', now)(run);
      };
      expect((await store.claimNext({ now_ms: 499 }, spy(499)))?.run_key).toBe('free');
      expect(await store.claimNext({ now_ms: 499 }, spy(499))).toBeUndefined();
      expect(seen).toEqual(['free']);
      expect((await store.claimNext({ now_ms: 500 }, spy(500)))?.run_key).toBe('wait-q');
      expect(await store.claimNext({ now_ms: 699 }, spy(699))).toBeUndefined();
      expect((await store.claimNext({ now_ms: 700 }, spy(700)))?.run_key).toBe('wait-p');
    });

    it('breaks ties in creation time by submission order', async () => {
      const store = await fresh();
      for (const key of ['zz', 'aa', 'mm']) await store.create(sampleRunRecord(key, { created_at_ms: 7 }), []);
      const order: string[] = [];
      for (let i = 0; i < 3; i++) order.push((await store.claimNext({ now_ms: 7 }, claimAs('w', 7)))?.run_key ?? '-');
      expect(order).toEqual(['zz', 'aa', 'mm']);
    });

    it('offers PUBLISH_PENDING runs, honours skip and settle, and filters by platform run', async () => {
      const store = await fresh();
      await store.create(sampleRunRecord('p1', { state: 'PUBLISH_PENDING', created_at_ms: 1, platform_run_id: 'other' }), []);
      await store.create(sampleRunRecord('p2', { state: 'PUBLISH_PENDING', created_at_ms: 2 }), []);
      await store.create(sampleRunRecord('q3', { created_at_ms: 3 }), []);
      await store.create(sampleRunRecord('q4', { created_at_ms: 4 }), []);
      const seen: string[] = [];
      const claimed = await store.claimNext({ now_ms: 100, platform_run_id: 'platform_run_a' }, (run) => {
        seen.push(run.run_key);
        if (run.run_key === 'p2') {
          const next: RunRecord = { ...run, state: 'FAILED', version: run.version + 1, updated_at_ms: 100 };
          return { kind: 'settle', next, events: [event('FAILED', 'PUBLISH_PENDING', 'FAILED', { code: 'PUBLISH_RETRY_EXHAUSTED' })] };
        }
        if (run.run_key === 'q3') return { kind: 'skip' };
        return claimAs('w', 100)(run);
      });
      expect(seen).toEqual(['p2', 'q3', 'q4']);
      expect(claimed?.run_key).toBe('q4');
      expect((await store.get('p2'))?.state).toBe('FAILED');
      expect((await store.events('p2')).map((e) => [e.seq, e.type])).toEqual([[1, 'FAILED']]);
      expect(await store.get('q3')).toEqual(sampleRunRecord('q3', { created_at_ms: 3 }));
      expect((await store.get('p1'))?.state).toBe('PUBLISH_PENDING');
    });

    it('hands each run to exactly one of many concurrent claimers', async () => {
      const store = await fresh();
      const runs = 40;
      for (let i = 0; i < runs; i++) await store.create(sampleRunRecord(`c${String(i).padStart(3, '0')}`, { created_at_ms: i }), []);
      const claimed: string[] = [];
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          for (;;) {
            const run = await store.claimNext({ now_ms: 1_000 }, claimAs(`w${w}`, 1_000));
            if (!run) return;
            claimed.push(run.run_key);
          }
        }),
      );
      expect(claimed).toHaveLength(runs);
      expect(new Set(claimed).size).toBe(runs);
      for (const key of claimed) expect((await store.events(key)).map((e) => e.seq)).toEqual([1]);
    });

    it('lists runs by platform run and state in run-key order, with paging', async () => {
      const store = await fresh();
      await store.create(sampleRunRecord('b', { platform_run_id: 'x' }), []);
      await store.create(sampleRunRecord('a', { platform_run_id: 'x', state: 'DONE' }), []);
      await store.create(sampleRunRecord('c', { platform_run_id: 'y' }), []);
      await store.create(sampleRunRecord('d', { platform_run_id: 'x' }), []);
      const keys = (runs: RunRecord[]) => runs.map((r) => r.run_key);
      expect(keys(await store.list({}))).toEqual(['a', 'b', 'c', 'd']);
      expect(keys(await store.list({ platform_run_id: 'x' }))).toEqual(['a', 'b', 'd']);
      expect(keys(await store.list({ platform_run_id: 'x', states: ['QUEUED'] }))).toEqual(['b', 'd']);
      expect(keys(await store.list({ states: ['DONE', 'QUEUED'], after: 'a', limit: 2 }))).toEqual(['b', 'c']);
      expect(keys(await store.list({ states: [] }))).toEqual([]);
    });

    it('refuses work under an aborted signal with ABORTED', async () => {
      const store = await fresh();
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await expectCode(store.get('x', { signal: controller.signal }), 'ABORTED');
      await expectCode(store.create(sampleRunRecord('x'), [], { signal: controller.signal }), 'ABORTED');
      expect(await store.get('x')).toBeUndefined();
    });
  });
}
