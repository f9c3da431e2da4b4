import { type BuildIntent, type Clock, isOfsError, type LedgerStore, parseBuildIntent } from '@ofs/contracts';
import { intentPayloadHash } from '@ofs/ids';
import { afterEach, describe, expect, it } from 'vitest';
import { createLedger, type Ledger, type RequeueBackoff } from '../ledger.js';
import type { LedgerPolicy } from '../moves.js';

/** A valid build intent for ledger tests (shape of the reference's ledger test payload); `overrides` win. */
export function sampleIntent(requestId: string, overrides: Record<string, unknown> = {}): BuildIntent {
  return parseBuildIntent({
    schema_version: 'learning.ofs_build_intent.v0',
    request_id: requestId,
    intent_kind: 'dataset_build',
    platform_run_id: 'platform_20260210T091951Z',
    scenario_run_ids: ['run_a'],
    replay_basis: [{ topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200' }],
    label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc', maturity_days: 30 },
    feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
    join_scope: { subject_key: 'platform_run_id,event_id' },
    filters: { country: ['US'] },
    run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
    policy_revision: 'ofs-policy-v0',
    config_revision: 'local-parity-v0',
    ofs_code_release_id: 'git:abc123',
    ...overrides,
  });
}

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
}

/** A manual clock starting at `startMs`. */
export function manualClock(startMs = 1_763_700_000_000): ManualClock {
  let now = startMs;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isOfsError(error)) return error.code;
    return `raw:${String(error)}`;
  }
  return 'resolved';
}

const DONE_RESULT = {
  outcome: 'NEW',
  manifestKey: 'p/ofs/manifests/dm_1.json',
  statusClass: 'COMPLETE_SUCCESS',
  planId: 'plan_1',
  manifestSha256: 'd'.repeat(64),
} as const;

/**
 * Ledger behaviour (DESIGN §5) over any `LedgerStore`: idempotent submit, budgets, leases,
 * fencing, illegal moves, events, and in-process concurrency. `makeStore` returns a fresh, empty
 * store each time; the suite closes it afterwards.
 */
export function describeLedgerBehaviour(name: string, makeStore: () => Promise<LedgerStore>): void {
  describe(`Ledger behaviour: ${name}`, () => {
    const opened: LedgerStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.();
    });
    // Backoff off by default so budget tests claim straight away; the backoff has its own tests.
    const setup = async (
      policy: LedgerPolicy = { max_full_run_attempts: 3, max_publish_retries: 3 },
      requeueBackoff: RequeueBackoff = { baseMs: 0 },
    ) => {
      const store = await makeStore();
      opened.push(store);
      const clock = manualClock();
      const ledger = createLedger({ store, clock, policy, requeueBackoff });
      return { store, clock, ledger };
    };
    const claimOne = async (ledger: Ledger, worker = 'w1', leaseMs = 30_000) => {
      const claimed = await ledger.claim({ worker, leaseMs });
      if (!claimed) throw new Error('expected a claimable run');
      return claimed;
    };

    it('submits idempotently by request_id and refuses another payload under it', async () => {
      const { ledger } = await setup();
      const first = await ledger.submit(sampleIntent('ofs.phase2.req.001'));
      expect(first.created).toBe(true);
      expect(first.run.run_key).toBe('63fa8fe394037a49e809a733276fb125');
      expect(first.run.intent_payload_hash).toBe(intentPayloadHash(sampleIntent('ofs.phase2.req.001')));
      expect(first.run.state).toBe('QUEUED');
      expect(first.run.intent).toEqual(JSON.parse(JSON.stringify(sampleIntent('ofs.phase2.req.001'))));
      const again = await ledger.submit(sampleIntent('ofs.phase2.req.001'));
      expect(again).toEqual({ run: first.run, created: false });
      expect(await codeOf(ledger.submit(sampleIntent('ofs.phase2.req.001', { filters: { country: ['DE'] } })))).toBe(
        'REQUEST_ID_PAYLOAD_MISMATCH',
      );
      expect(await codeOf(ledger.submit(sampleIntent('ofs.phase2.req.001'), { backfillReason: 'other' }))).toBe(
        'REQUEST_ID_PAYLOAD_MISMATCH',
      );
      const events = await ledger.events(first.run.run_key);
      expect(events.map((e) => [e.seq, e.type, e.to_state])).toEqual([[1, 'SUBMITTED', 'QUEUED']]);
      expect(events[0]?.details).toMatchObject({ request_id: 'ofs.phase2.req.001', payload_hash: first.run.intent_payload_hash });
    });

    it('creates exactly one run under 50 concurrent submits of one request', async () => {
      const { ledger } = await setup();
      const results = await Promise.all(Array.from({ length: 50 }, () => ledger.submit(sampleIntent('ofs.req.concurrent.1'))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.run.run_key)).size).toBe(1);
      expect(await ledger.events(results[0]!.run.run_key)).toHaveLength(1);
    });

    it('claims, records stages and completes under a lease, with events carrying details', async () => {
      const { ledger } = await setup();
      const { run } = await ledger.submit(sampleIntent('ofs.req.happy.0001'));
      const { run: running, lease } = await claimOne(ledger);
      expect(running).toMatchObject({
        run_key: run.run_key,
        state: 'RUNNING',
        mode: 'FULL',
        full_run_attempts: 1,
        publish_retry_attempts: 0,
      });
      expect(lease.worker).toBe('w1');
      await ledger.record(run.run_key, lease.token, { type: 'STAGE', details: { stage: 'plan', plan_id: 'plan_1' } });
      await ledger.record(run.run_key, lease.token, {
        type: 'EVIDENCE_REF',
        details: { actor: 'w1', ref: 'x/y.json', purpose: 'run_facts', outcome: 'READ' },
      });
      expect((await ledger.get(run.run_key)).plan_id).toBe('plan_1');
      const done = await ledger.complete(run.run_key, lease.token, DONE_RESULT);
      expect(done).toMatchObject({
        state: 'DONE',
        mode: 'NONE',
        lease: null,
        outcome: 'NEW',
        manifest_key: DONE_RESULT.manifestKey,
        status_class: 'COMPLETE_SUCCESS',
        manifest_sha256: DONE_RESULT.manifestSha256,
      });
      expect((await ledger.get(run.run_key)).manifest_sha256).toBe(DONE_RESULT.manifestSha256);
      expect(await ledger.complete(run.run_key, lease.token, DONE_RESULT)).toEqual(done);
      expect(await codeOf(ledger.complete(run.run_key, lease.token, { ...DONE_RESULT, manifestSha256: 'e'.repeat(64) }))).toBe(
        'RUN_STATE_INVALID',
      );
      expect((await ledger.events(run.run_key)).at(-1)?.details).toMatchObject({ manifest_sha256: DONE_RESULT.manifestSha256 });
      const events = await ledger.events(run.run_key);
      expect(events.map((e) => e.type)).toEqual(['SUBMITTED', 'CLAIMED', 'STAGE', 'EVIDENCE_REF', 'COMPLETED']);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(events[1]?.details).toMatchObject({ mode: 'FULL', full_run_attempts: 1 });
      expect(events[4]?.details).toMatchObject({ outcome: 'NEW', plan_id: 'plan_1' });
      expect(await ledger.claim({ worker: 'w2', leaseMs: 1_000 })).toBeUndefined();
    });

    it('completes a run that reported instead of publishing: DONE/REPORTED, no manifest, the report in the COMPLETED event', async () => {
      const { ledger } = await setup();
      const { run } = await ledger.submit(
        sampleIntent('ofs.req.report.0001', { intent_kind: 'parity_rebuild', parity_anchor_ref: 'p/a.json' }),
      );
      const { lease } = await claimOne(ledger);
      const reported = {
        outcome: 'REPORTED',
        reportKey: 'p/ofs/parity/plan_1.json',
        reportSha256: 'f'.repeat(64),
        planId: 'plan_1',
      } as const;
      expect(await codeOf(ledger.complete(run.run_key, lease.token, { ...reported, reportSha256: 'nope' }))).toBe(
        'LEDGER_ARGUMENT_INVALID',
      );
      const done = await ledger.complete(run.run_key, lease.token, reported);
      expect(done).toMatchObject({ state: 'DONE', outcome: 'REPORTED', manifest_key: null, status_class: null, plan_id: 'plan_1' });
      expect(await ledger.complete(run.run_key, lease.token, reported)).toEqual(done);
      expect((await ledger.get(run.run_key)).outcome).toBe('REPORTED');
      expect((await ledger.events(run.run_key)).at(-1)?.details).toMatchObject({
        outcome: 'REPORTED',
        report_key: reported.reportKey,
        report_sha256: reported.reportSha256,
        manifest_key: null,
      });
    });

    it('refuses a stale token with LEASE_LOST and changes nothing', async () => {
      const { ledger } = await setup();
      const { run } = await ledger.submit(sampleIntent('ofs.req.fence.0001'));
      await claimOne(ledger);
      const before = await ledger.get(run.run_key);
      const beforeEvents = await ledger.events(run.run_key);
      const staleMoves: (() => Promise<unknown>)[] = [
        () => ledger.complete(run.run_key, 'stale', DONE_RESULT),
        () => ledger.fail(run.run_key, 'stale', { code: 'REPLAY_INCOMPLETE', message: 'x' }),
        () => ledger.requeue(run.run_key, 'stale', { code: 'STORE_UNAVAILABLE', message: 'x' }),
        () => ledger.publishPending(run.run_key, 'stale', { code: 'STORE_UNAVAILABLE', message: 'x' }),
        () => ledger.heartbeat(run.run_key, 'stale', 1_000),
        () => ledger.release(run.run_key, 'stale'),
        () => ledger.record(run.run_key, 'stale', { type: 'STAGE', details: {} }),
      ];
      for (const attempt of staleMoves) expect(await codeOf(attempt())).toBe('LEASE_LOST');
      expect(await ledger.get(run.run_key)).toEqual(before);
      expect(await ledger.events(run.run_key)).toEqual(beforeEvents);
    });

    it('lets another worker take an expired lease; the first worker’s late complete is LEASE_LOST', async () => {
      const { ledger, clock } = await setup();
      const { run } = await ledger.submit(sampleIntent('ofs.req.expire.0001'));
      const first = await claimOne(ledger, 'w1', 1_000);
      clock.advance(999);
      expect(await ledger.claim({ worker: 'w2', leaseMs: 1_000 })).toBeUndefined();
      await ledger.heartbeat(run.run_key, first.lease.token, 1_000);
      clock.advance(1_000);
      const second = await claimOne(ledger, 'w2', 1_000);
      expect(second.run).toMatchObject({ state: 'RUNNING', full_run_attempts: 2 });
      expect(second.lease.token).not.toBe(first.lease.token);
      expect(await codeOf(ledger.complete(run.run_key, first.lease.token, DONE_RESULT))).toBe('LEASE_LOST');
      expect(await codeOf(ledger.heartbeat(run.run_key, first.lease.token, 1_000))).toBe('LEASE_LOST');
      await ledger.complete(run.run_key, second.lease.token, DONE_RESULT);
      expect(await codeOf(ledger.complete(run.run_key, first.lease.token, DONE_RESULT))).toBe('LEASE_LOST');
      const types = (await ledger.events(run.run_key)).map((e) => e.type);
      expect(types).toEqual(['SUBMITTED', 'CLAIMED', 'LEASE_EXPIRED', 'CLAIMED', 'COMPLETED']);
    });

    it('requeues retryable failures until max_full_run_attempts, then FAILED/RUN_ATTEMPTS_EXHAUSTED', async () => {
      const { ledger } = await setup({ max_full_run_attempts: 3, max_publish_retries: 3 });
      const { run } = await ledger.submit(sampleIntent('ofs.req.requeue.0001'));
      let last = run;
      for (let i = 1; i <= 3; i++) {
        const claimed = await claimOne(ledger);
        expect(claimed.run.full_run_attempts).toBe(i);
        last = await ledger.requeue(run.run_key, claimed.lease.token, {
          code: 'REPLAY_SOURCE_UNAVAILABLE',
          message: `down ${i}`,
          stage: 'replay',
        });
      }
      expect(last).toMatchObject({ state: 'FAILED', full_run_attempts: 3, publish_retry_attempts: 0 });
      expect(last.last_error).toMatchObject({ code: 'RUN_ATTEMPTS_EXHAUSTED', retryable: false, stage: 'replay' });
      expect(await ledger.claim({ worker: 'w1', leaseMs: 1_000 })).toBeUndefined();
      const failed = (await ledger.events(run.run_key)).at(-1);
      expect(failed).toMatchObject({
        type: 'FAILED',
        details: { error_code: 'RUN_ATTEMPTS_EXHAUSTED', cause_code: 'REPLAY_SOURCE_UNAVAILABLE' },
      });
    });

    it('backs a requeued run off with jitter: not claimable before not_before_ms, recorded in the REQUEUED event', async () => {
      const draws = [0, 0.5, 0.25];
      const backoff = { baseMs: 1_000, maxMs: 3_000, factor: 2, jitter: 0.5, random: () => draws.shift() ?? 0 };
      const { ledger, clock } = await setup({ max_full_run_attempts: 4, max_publish_retries: 3 }, backoff);
      const { run } = await ledger.submit(sampleIntent('ofs.req.backoff.0001'));
      // Retry n waits min(3000, 1000·2^(n−1)) reduced by up to half of it: 1000, then 2000·0.75, then 3000·0.875.
      const expected = [1_000, 1_500, 2_625];
      for (const [i, wait] of expected.entries()) {
        const claimed = await claimOne(ledger);
        expect(claimed.run.full_run_attempts).toBe(i + 1);
        const queued = await ledger.requeue(run.run_key, claimed.lease.token, {
          code: 'STORE_UNAVAILABLE',
          message: 'read-only',
          stage: 'replay',
        });
        const now = clock.now();
        expect(queued).toMatchObject({ state: 'QUEUED', not_before_ms: now + wait });
        const event = (await ledger.events(run.run_key)).at(-1);
        expect(event).toMatchObject({
          type: 'REQUEUED',
          details: { backoff_ms: wait, not_before_ms: now + wait, error_code: 'STORE_UNAVAILABLE' },
        });
        clock.advance(wait - 1);
        expect(await ledger.claim({ worker: 'w2', leaseMs: 1_000 })).toBeUndefined();
        clock.advance(1);
      }
      const last = await claimOne(ledger);
      expect(last.run.full_run_attempts).toBe(4);
      expect(last.run.not_before_ms).toBeUndefined();
    });

    it('backs a publish retry off too, and uses DEFAULT_REQUEUE_BACKOFF when none is configured', async () => {
      const store = await makeStore();
      opened.push(store);
      const clock = manualClock();
      const ledger = createLedger({ store, clock, policy: { max_full_run_attempts: 3, max_publish_retries: 3 } });
      const { run } = await ledger.submit(sampleIntent('ofs.req.backoff.0002'));
      const full = await claimOne(ledger);
      const pending = await ledger.publishPending(run.run_key, full.lease.token, { code: 'STORE_UNAVAILABLE', message: 'disk full' });
      const wait = (pending.not_before_ms ?? 0) - clock.now();
      expect(wait).toBeGreaterThanOrEqual(1_000);
      expect(wait).toBeLessThanOrEqual(2_000);
      expect((await ledger.events(run.run_key)).at(-1)?.details).toMatchObject({ backoff_ms: wait });
      expect(await ledger.claim({ worker: 'w1', leaseMs: 1_000 })).toBeUndefined();
      clock.advance(wait);
      expect((await claimOne(ledger)).run.mode).toBe('PUBLISH_ONLY');
    });

    it('says what changed and the way forward when only the run configuration differs under one request_id', async () => {
      const { ledger } = await setup();
      await ledger.submit(sampleIntent('ofs.req.config.0001'), { runConfigDigest: 'a'.repeat(64) });
      let caught: unknown;
      try {
        await ledger.submit(sampleIntent('ofs.req.config.0001'), { runConfigDigest: 'b'.repeat(64) });
      } catch (error) {
        caught = error;
      }
      expect(isOfsError(caught, 'REQUEST_ID_PAYLOAD_MISMATCH')).toBe(true);
      const error = caught as { message: string; details: Record<string, unknown> };
      expect(error.message).toContain('same intent under another run configuration');
      expect(error.message).toContain(`run_config_digest ${'a'.repeat(64)} then, ${'b'.repeat(64)} now`);
      expect(error.message).toContain('new request_id');
      expect(error.details).toMatchObject({
        fields: ['run_config_digest'],
        existing_run_config_digest: 'a'.repeat(64),
        submitted_run_config_digest: 'b'.repeat(64),
      });
      const fresh = await ledger.submit(sampleIntent('ofs.req.config.0001.r2'), { runConfigDigest: 'b'.repeat(64) });
      expect(fresh.created).toBe(true);
    });

    it('retries publication exactly max_publish_retries times, then FAILED/PUBLISH_RETRY_EXHAUSTED', async () => {
      const { ledger } = await setup({ max_full_run_attempts: 3, max_publish_retries: 3 });
      const { run } = await ledger.submit(sampleIntent('ofs.req.publish.0001'));
      const full = await claimOne(ledger);
      let last = await ledger.publishPending(run.run_key, full.lease.token, {
        code: 'STORE_UNAVAILABLE',
        message: 'registry timeout',
        stage: 'publish',
      });
      let retries = 0;
      while (last.state === 'PUBLISH_PENDING') {
        const retry = await claimOne(ledger);
        expect(retry.run.mode).toBe('PUBLISH_ONLY');
        retries++;
        last = await ledger.publishPending(run.run_key, retry.lease.token, {
          code: 'STORE_UNAVAILABLE',
          message: `timeout ${retries}`,
          stage: 'publish',
        });
      }
      expect(retries).toBe(3);
      expect(last).toMatchObject({
        state: 'FAILED',
        full_run_attempts: 1,
        publish_retry_attempts: 3,
        last_error: { code: 'PUBLISH_RETRY_EXHAUSTED' },
      });
    });

    it('fails a run whose expired lease leaves no attempt instead of leaving it RUNNING', async () => {
      const { ledger, clock } = await setup({ max_full_run_attempts: 1, max_publish_retries: 0 });
      const { run } = await ledger.submit(sampleIntent('ofs.req.stuck.0001'));
      await ledger.submit(sampleIntent('ofs.req.stuck.0002'));
      await claimOne(ledger, 'w1', 100);
      clock.advance(100);
      const next = await claimOne(ledger, 'w2', 100);
      expect(next.run.request_id).toBe('ofs.req.stuck.0002');
      const stuck = await ledger.get(run.run_key);
      expect(stuck).toMatchObject({ state: 'FAILED', lease: null, last_error: { code: 'RUN_ATTEMPTS_EXHAUSTED' } });
      expect((await ledger.events(run.run_key)).map((e) => e.type)).toEqual(['SUBMITTED', 'CLAIMED', 'LEASE_EXPIRED', 'FAILED']);
    });

    it('names from/to in RUN_STATE_INVALID for illegal moves and keeps terminal states terminal', async () => {
      const { ledger } = await setup();
      const { run } = await ledger.submit(sampleIntent('ofs.req.illegal.0001'));
      const claimed = await claimOne(ledger);
      await ledger.publishPending(run.run_key, claimed.lease.token, { code: 'STORE_UNAVAILABLE', message: 'x' });
      let caught: unknown;
      try {
        await ledger.complete(run.run_key, claimed.lease.token, DONE_RESULT);
      } catch (error) {
        caught = error;
      }
      expect(isOfsError(caught, 'RUN_STATE_INVALID')).toBe(true);
      expect((caught as { details: unknown }).details).toMatchObject({ from: 'PUBLISH_PENDING', to: 'DONE', move: 'complete' });
      const retry = await claimOne(ledger);
      expect(await codeOf(ledger.requeue(run.run_key, retry.lease.token, { code: 'STORE_UNAVAILABLE', message: 'x' }))).toBe(
        'RUN_STATE_INVALID',
      );
      await ledger.fail(run.run_key, retry.lease.token, { code: 'MANIFEST_CONFLICT', message: 'different bytes' });
      expect(await ledger.fail(run.run_key, retry.lease.token, { code: 'MANIFEST_CONFLICT', message: 'again' })).toMatchObject({
        state: 'FAILED',
      });
      expect(await codeOf(ledger.cancel(run.run_key))).toBe('RUN_STATE_INVALID');
      expect(await codeOf(ledger.complete(run.run_key, retry.lease.token, DONE_RESULT))).toBe('RUN_STATE_INVALID');
      expect((await ledger.get(run.run_key)).state).toBe('FAILED');
    });

    it('cancels from QUEUED, RUNNING and PUBLISH_PENDING; a cancelled run is never claimed', async () => {
      const { ledger } = await setup();
      const queued = (await ledger.submit(sampleIntent('ofs.req.cancel.0001'))).run;
      expect((await ledger.cancel(queued.run_key, { reason: 'operator' })).state).toBe('CANCELLED');
      expect((await ledger.cancel(queued.run_key)).state).toBe('CANCELLED');
      const running = (await ledger.submit(sampleIntent('ofs.req.cancel.0002'))).run;
      const claimed = await claimOne(ledger);
      expect(claimed.run.run_key).toBe(running.run_key);
      await ledger.cancel(running.run_key);
      expect(await codeOf(ledger.complete(running.run_key, claimed.lease.token, DONE_RESULT))).toBe('RUN_STATE_INVALID');
      expect(await codeOf(ledger.heartbeat(running.run_key, claimed.lease.token, 1_000))).toBe('RUN_STATE_INVALID');
      const pending = (await ledger.submit(sampleIntent('ofs.req.cancel.0003'))).run;
      const c3 = await claimOne(ledger);
      await ledger.publishPending(pending.run_key, c3.lease.token, { code: 'STORE_UNAVAILABLE', message: 'x' });
      expect((await ledger.cancel(pending.run_key)).state).toBe('CANCELLED');
      expect(await ledger.claim({ worker: 'w', leaseMs: 1_000 })).toBeUndefined();
      expect((await ledger.list({ states: ['CANCELLED'] })).map((r) => r.run_key).sort()).toEqual(
        [queued.run_key, running.run_key, pending.run_key].sort(),
      );
    });

    it('releases an aborted claim back to its claimable state without using up the attempt', async () => {
      const { ledger } = await setup({ max_full_run_attempts: 1, max_publish_retries: 1 });
      const { run } = await ledger.submit(sampleIntent('ofs.req.release.0001'));
      for (let i = 0; i < 3; i++) {
        const claimed = await claimOne(ledger);
        const released = await ledger.release(run.run_key, claimed.lease.token, { reason: 'shutdown' });
        expect(released).toMatchObject({ state: 'QUEUED', full_run_attempts: 0, lease: null });
      }
      const claimed = await claimOne(ledger);
      await ledger.publishPending(run.run_key, claimed.lease.token, { code: 'STORE_UNAVAILABLE', message: 'x' });
      const retry = await claimOne(ledger);
      expect(await ledger.release(run.run_key, retry.lease.token)).toMatchObject({ state: 'PUBLISH_PENDING', publish_retry_attempts: 0 });
      const again = await claimOne(ledger);
      expect(again.run).toMatchObject({ mode: 'PUBLISH_ONLY', publish_retry_attempts: 1, full_run_attempts: 1 });
    });

    it('gives one PUBLISH_PENDING run to exactly one of 20 concurrent claimers, counting one retry', async () => {
      const { ledger } = await setup();
      const { run } = await ledger.submit(sampleIntent('ofs.req.race.0001'));
      const full = await claimOne(ledger);
      await ledger.publishPending(run.run_key, full.lease.token, { code: 'STORE_UNAVAILABLE', message: 'x' });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.claim({ worker: `w${i}`, leaseMs: 30_000 })));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect((await ledger.get(run.run_key)).publish_retry_attempts).toBe(1);
    });

    it('hands 60 runs to 4 concurrent workers exactly once each', async () => {
      const { ledger } = await setup();
      for (let i = 0; i < 60; i++) await ledger.submit(sampleIntent(`ofs.req.many.${String(i).padStart(4, '0')}`));
      const claimed: string[] = [];
      await Promise.all(
        ['a', 'b', 'c', 'd'].map(async (worker) => {
          for (;;) {
            const c = await ledger.claim({ worker, leaseMs: 60_000 });
            if (!c) return;
            claimed.push(c.run.run_key);
            await ledger.complete(c.run.run_key, c.lease.token, DONE_RESULT);
          }
        }),
      );
      expect(claimed).toHaveLength(60);
      expect(new Set(claimed).size).toBe(60);
      expect((await ledger.list({ states: ['DONE'] })).length).toBe(60);
    });

    it('reports unknown runs as RUN_NOT_FOUND and bad arguments as LEDGER_ARGUMENT_INVALID', async () => {
      const { ledger } = await setup();
      expect(await codeOf(ledger.get('0'.repeat(32)))).toBe('RUN_NOT_FOUND');
      expect(await codeOf(ledger.events('0'.repeat(32)))).toBe('RUN_NOT_FOUND');
      expect(await codeOf(ledger.cancel('0'.repeat(32)))).toBe('RUN_NOT_FOUND');
      expect(await codeOf(ledger.claim({ worker: '', leaseMs: 1 }))).toBe('LEDGER_ARGUMENT_INVALID');
      expect(await codeOf(ledger.claim({ worker: 'w', leaseMs: 0 }))).toBe('LEDGER_ARGUMENT_INVALID');
      expect(await codeOf(ledger.list({ limit: 0 }))).toBe('LEDGER_ARGUMENT_INVALID');
      expect(await codeOf(ledger.submit({ ...sampleIntent('ofs.req.valid.0001'), request_id: 'x' } as BuildIntent))).toBe(
        'REQUEST_ID_INVALID',
      );
      const aborted = new AbortController();
      aborted.abort();
      expect(await codeOf(ledger.submit(sampleIntent('ofs.req.abort.0001'), { signal: aborted.signal }))).toBe('ABORTED');
      expect(await ledger.list()).toEqual([]);
    });
  });
}
