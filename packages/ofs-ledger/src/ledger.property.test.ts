import { isOfsError, type RunRecord } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLedger } from './ledger.js';
import { createMemoryLedgerStore } from './memory-store.js';
import { isTerminal } from './state-machine.js';
import { manualClock, sampleIntent } from './testing/ledger-behaviour.js';

const REQUESTS = ['ofs.req.model.0001', 'ofs.req.model.0002', 'ofs.req.model.0003'];
const WORKERS = ['w1', 'w2', 'w3'];

type Op =
  | { kind: 'submit'; request: number }
  | { kind: 'claim'; worker: number; leaseMs: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'cancel'; request: number }
  | {
      kind: 'fenced';
      move: 'complete' | 'fail' | 'requeue' | 'publishPending' | 'release' | 'heartbeat' | 'record';
      request: number;
      stale: boolean;
    };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('submit' as const), request: fc.nat(REQUESTS.length - 1) }),
  fc.record({ kind: fc.constant('claim' as const), worker: fc.nat(WORKERS.length - 1), leaseMs: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600 }) }),
  fc.record({ kind: fc.constant('cancel' as const), request: fc.nat(REQUESTS.length - 1) }),
  fc.record({
    kind: fc.constant('fenced' as const),
    move: fc.constantFrom('complete', 'fail', 'requeue', 'publishPending', 'release', 'heartbeat', 'record'),
    request: fc.nat(REQUESTS.length - 1),
    stale: fc.boolean(),
  }),
);

function checkRun(run: RunRecord, policy: { max_full_run_attempts: number; max_publish_retries: number }): void {
  expect(run.state === 'RUNNING').toBe(run.lease !== null);
  expect(run.mode === 'NONE').toBe(run.state !== 'RUNNING');
  expect(run.full_run_attempts).toBeLessThanOrEqual(policy.max_full_run_attempts);
  expect(run.publish_retry_attempts).toBeLessThanOrEqual(policy.max_publish_retries);
  if (run.state === 'DONE') expect(run.manifest_key).not.toBeNull();
  if (run.state === 'FAILED') expect(run.last_error).not.toBeNull();
}

describe('ledger model properties (memory store)', () => {
  it('keeps every invariant under any sequence of moves, stale tokens and lease expiries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        async (ops, maxFull, maxPublish) => {
          const policy = { max_full_run_attempts: maxFull, max_publish_retries: maxPublish };
          const clock = manualClock();
          const ledger = createLedger({ store: createMemoryLedgerStore(), clock, policy });
          const tokens = new Map<string, string>();
          const keys = new Map<number, string>();
          for (const step of ops) {
            const key = 'request' in step ? keys.get(step.request) : undefined;
            const before = key ? await ledger.get(key) : undefined;
            const eventsBefore = key ? (await ledger.events(key)).length : 0;
            try {
              if (step.kind === 'submit') {
                const { run } = await ledger.submit(sampleIntent(REQUESTS[step.request]!));
                keys.set(step.request, run.run_key);
              } else if (step.kind === 'claim') {
                const claimed = await ledger.claim({ worker: WORKERS[step.worker]!, leaseMs: step.leaseMs });
                if (claimed) tokens.set(claimed.run.run_key, claimed.lease.token);
              } else if (step.kind === 'advance') {
                clock.advance(step.ms);
              } else if (key && step.kind === 'cancel') {
                await ledger.cancel(key);
              } else if (key && step.kind === 'fenced') {
                const token = step.stale ? 'stale-token' : (tokens.get(key) ?? 'never-claimed');
                const error = { code: 'STORE_UNAVAILABLE' as const, message: 'x' };
                if (step.move === 'complete')
                  await ledger.complete(key, token, { outcome: 'NEW', manifestKey: 'k', statusClass: 'COMPLETE_SUCCESS' });
                else if (step.move === 'fail') await ledger.fail(key, token, error);
                else if (step.move === 'requeue') await ledger.requeue(key, token, error);
                else if (step.move === 'publishPending') await ledger.publishPending(key, token, error);
                else if (step.move === 'release') await ledger.release(key, token);
                else if (step.move === 'heartbeat') await ledger.heartbeat(key, token, 100);
                else await ledger.record(key, token, { type: 'STAGE', details: { stage: 'x' } });
              }
            } catch (error) {
              expect(isOfsError(error), String(error)).toBe(true);
              expect(['LEASE_LOST', 'RUN_STATE_INVALID']).toContain((error as { code: string }).code);
              if (key) {
                expect(await ledger.get(key)).toEqual(before);
                expect(await ledger.events(key)).toHaveLength(eventsBefore);
              }
            }
            for (const runKey of keys.values()) {
              const run = await ledger.get(runKey);
              checkRun(run, policy);
              const events = await ledger.events(runKey);
              expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
              expect(events.at(-1)?.to_state).toBe(run.state);
            }
            if (before && isTerminal(before.state) && key) expect(await ledger.get(key)).toEqual(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
