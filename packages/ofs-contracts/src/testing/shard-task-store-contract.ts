import { afterEach, describe, expect, it } from 'vitest';
import type { NewShardTask, ShardPins, ShardTaskStore } from '../ports/shard-task-store.js';
import { expectCode } from './expect-code.js';

/** Pins for shard-task store tests; `overrides` win. */
export function sampleShardPins(overrides: Partial<ShardPins> = {}): ShardPins {
  return { plan_id: 'plan_a', run_config_digest: 'c'.repeat(64), profile_digest: 'p'.repeat(64), label_state_marker: 'm1', ...overrides };
}

/** `n` shard tasks numbered 0…n−1 on topic `t`, each with a spec that exercises JSON text. */
export function sampleShardTasks(n: number): NewShardTask[] {
  return Array.from({ length: n }, (_, shard) => ({
    shard,
    topic: 't',
    partition: shard,
    spec: { slices: [shard], dropped: [['10', 'ev é ☃ 😀 "q" \\ \n \u0000']] },
  }));
}

/**
 * The contract every `ShardTaskStore` adapter must pass (memory, PGlite, PostgreSQL server).
 * `make` returns a fresh, empty store each time; the suite calls `close()` on it afterwards.
 *
 * @example
 * describeShardTaskStoreContract('memory', async () => createMemoryShardTaskStore());
 */
export function describeShardTaskStoreContract(name: string, make: () => Promise<ShardTaskStore>): void {
  describe(`ShardTaskStore contract: ${name}`, () => {
    const opened: ShardTaskStore[] = [];
    const fresh = async (): Promise<ShardTaskStore> => {
      const store = await make();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.();
    });

    it('fans out once per run and plan; a second fan-out returns the stored tasks unchanged', async () => {
      const store = await fresh();
      const first = await store.fanOut('run1', sampleShardPins(), sampleShardTasks(3));
      expect(first.created).toBe(true);
      expect(first.tasks.map((t) => [t.shard, t.state, t.attempts, t.lease, t.result])).toEqual([
        [0, 'PENDING', 0, null, null],
        [1, 'PENDING', 0, null, null],
        [2, 'PENDING', 0, null, null],
      ]);
      const again = await store.fanOut('run1', sampleShardPins({ label_state_marker: 'other' }), sampleShardTasks(1));
      expect(again.created).toBe(false);
      expect(again.tasks).toEqual(first.tasks);
      expect(await store.list('run1', 'plan_a')).toEqual(first.tasks);
      expect((await store.list('run1', 'plan_a'))[0]?.spec).toEqual(sampleShardTasks(1)[0]?.spec);
      expect(await store.list('run1', 'plan_b')).toEqual([]);
    });

    it('refuses malformed fan-outs with LEDGER_ARGUMENT_INVALID', async () => {
      const store = await fresh();
      await expectCode(store.fanOut('run1', sampleShardPins(), []), 'LEDGER_ARGUMENT_INVALID');
      await expectCode(store.fanOut('run1', sampleShardPins({ plan_id: '' }), sampleShardTasks(1)), 'LEDGER_ARGUMENT_INVALID');
      await expectCode(store.fanOut('run1', sampleShardPins(), sampleShardTasks(2).reverse()), 'LEDGER_ARGUMENT_INVALID');
    });

    it('claims the lowest pending shard under a lease; a live lease is not claimable, a lapsed one is with a new token', async () => {
      const store = await fresh();
      await store.fanOut('run1', sampleShardPins(), sampleShardTasks(2));
      const a = await store.claim({ worker: 'a', leaseMs: 1_000, nowMs: 10_000 });
      const b = await store.claim({ worker: 'b', leaseMs: 1_000, nowMs: 10_000 });
      expect([a?.task.shard, b?.task.shard]).toEqual([0, 1]);
      expect(a?.task).toMatchObject({ state: 'LEASED', attempts: 1, lease: { worker: 'a', expires_at_ms: 11_000 } });
      expect(await store.claim({ worker: 'c', leaseMs: 1_000, nowMs: 10_999 })).toBeUndefined();
      const c = await store.claim({ worker: 'c', leaseMs: 1_000, nowMs: 11_000 });
      expect(c?.task).toMatchObject({ shard: 0, attempts: 2, lease: { worker: 'c' } });
      expect(c?.token).not.toBe(a?.token);
      expect(c?.task.fence).toBeGreaterThan(a?.task.fence ?? Number.POSITIVE_INFINITY);
      // The first claimer is fenced out of everything.
      await expectCode(store.heartbeat('run1', 'plan_a', 0, a!.token, 1_000, 11_000), 'LEASE_LOST');
      await expectCode(store.complete('run1', 'plan_a', 0, a!.token, { rows: 1 }), 'LEASE_LOST');
      await store.heartbeat('run1', 'plan_a', 0, c!.token, 5_000, 11_500);
      expect((await store.list('run1', 'plan_a'))[0]?.lease?.expires_at_ms).toBe(16_500);
    });

    it('filters claims by run and serves runs in fan-out order', async () => {
      const store = await fresh();
      await store.fanOut('run1', sampleShardPins(), sampleShardTasks(1));
      await store.fanOut('run2', sampleShardPins({ plan_id: 'plan_b' }), sampleShardTasks(1));
      expect((await store.claim({ worker: 'a', leaseMs: 1_000, nowMs: 0, runKey: 'run2' }))?.task.run_key).toBe('run2');
      expect(await store.claim({ worker: 'a', leaseMs: 1_000, nowMs: 0, runKey: 'run2' })).toBeUndefined();
      expect((await store.claim({ worker: 'a', leaseMs: 1_000, nowMs: 0 }))?.task.run_key).toBe('run1');
    });

    it('completes under the latest token (even after the lease lapsed), counts what remains, and resets refused shards', async () => {
      const store = await fresh();
      await store.fanOut('run1', sampleShardPins(), sampleShardTasks(2));
      const a = (await store.claim({ worker: 'a', leaseMs: 1_000, nowMs: 0 }))!;
      const b = (await store.claim({ worker: 'b', leaseMs: 1_000, nowMs: 0 }))!;
      const result = { rows: 3, text: 'é ☃ 😀 \u0000', nested: { list: [1, 2.5, null, true] } };
      expect(await store.complete('run1', 'plan_a', 0, a.token, result)).toEqual({ remaining: 1 });
      await expectCode(store.complete('run1', 'plan_a', 0, a.token, result), 'LEASE_LOST');
      expect(await store.complete('run1', 'plan_a', 1, b.token, { rows: 4 })).toEqual({ remaining: 0 });
      const done = await store.list('run1', 'plan_a');
      expect(done.map((t) => [t.state, t.lease, t.result])).toEqual([
        ['DONE', null, result],
        ['DONE', null, { rows: 4 }],
      ]);
      expect(await store.claim({ worker: 'c', leaseMs: 1_000, nowMs: 99_000 })).toBeUndefined();
      await store.reset('run1', 'plan_a', [1]);
      const again = (await store.claim({ worker: 'c', leaseMs: 1_000, nowMs: 99_000 }))!;
      expect(again.task).toMatchObject({ shard: 1, state: 'LEASED', attempts: 2, result: null });
      await expectCode(store.complete('run1', 'plan_a', 1, b.token, { rows: 4 }), 'LEASE_LOST');
    });

    it('hands each shard to exactly one of many concurrent claimers', async () => {
      const store = await fresh();
      await store.fanOut('run1', sampleShardPins(), sampleShardTasks(8));
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim({ worker: `w${i}`, leaseMs: 60_000, nowMs: 0 })));
      const shards = claims.filter((c) => c !== undefined).map((c) => c!.task.shard);
      expect(shards.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('honours an aborted signal', async () => {
      const store = await fresh();
      await expectCode(store.list('run1', 'plan_a', { signal: AbortSignal.abort() }), 'ABORTED');
    });
  });
}
