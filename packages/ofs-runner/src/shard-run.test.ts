import { isOfsError, type ObjectStore, OfsError, type ShardTaskStore } from '@ofs/contracts';
import { createMemoryShardTaskStore } from '@ofs/ledger';
import { describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import { DEMO_LABEL_TYPE, DEMO_PLATFORM_RUN_ID } from './demo/generate.js';
import { memoryWorld } from './test-support/memory-world.js';

const PRID = DEMO_PLATFORM_RUN_ID;
const EVENTS = 3_000;
const CROSS = 0.03;

/** Every object the build wrote (plans, receipts, parts, statistics, manifest, index), by key. */
async function built(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const key of store.list(`${PRID}/ofs/`)) out.set(key, Buffer.from((await store.get(key))!).toString('base64'));
  return out;
}

/** The bytes of a plain one-process build of the same data. */
async function oneProcess(mutateLabels?: (world: Awaited<ReturnType<typeof memoryWorld>>) => Promise<void>) {
  const world = await memoryWorld({ events: EVENTS, crossPartitionDuplicates: CROSS });
  await mutateLabels?.(world);
  const { run } = await world.corridor.submit(world.intent());
  const done = await world.corridor.runBuild(run.run_key);
  expect(done.state, JSON.stringify(done.last_error)).toBe('DONE');
  return { done, bytes: await built(world.store) };
}

describe('runs fanned out into shard tasks (memory shard-task store)', () => {
  it('the run’s worker builds every shard itself and writes the one-process bytes (duplicates across partitions)', async () => {
    const expected = await oneProcess();
    const tasks = createMemoryShardTaskStore();
    const world = await memoryWorld({ events: EVENTS, crossPartitionDuplicates: CROSS, shardTasks: tasks, fanOut: true });
    const { run } = await world.corridor.submit(world.intent());
    const done = await world.corridor.runBuild(run.run_key);
    expect(done).toMatchObject({ state: 'DONE', outcome: 'NEW', manifest_key: expected.done.manifest_key });
    const shards = await tasks.list(run.run_key, done.plan_id!);
    expect(shards.map((t) => [t.state, t.attempts])).toEqual(shards.map(() => ['DONE', 1]));
    expect(shards.length).toBe(4);
    // Shards after the first leave out event ids first seen on an earlier partition.
    expect(shards.slice(1).some((t) => (t.spec.dropped as unknown[]).length > 0)).toBe(true);
    expect(await built(world.store)).toEqual(expected.bytes);
  });

  it('two workers on one ledger share the shards; the bytes do not change', async () => {
    const expected = await oneProcess();
    const tasks = createMemoryShardTaskStore();
    // The run's worker finds nothing to claim at first (as if another process were quicker), so it
    // waits while the helper builds.
    let busy = 2;
    const ownerTasks: ShardTaskStore = {
      ...tasks,
      claim: (input, options) => (busy-- > 0 ? Promise.resolve(undefined) : tasks.claim(input, options)),
    };
    const world = await memoryWorld({ events: EVENTS, crossPartitionDuplicates: CROSS, shardTasks: ownerTasks, fanOut: true });
    const helper = createCorridor({ ...world.deps, shardTasks: tasks, worker: 'helper-worker', fanOut: false });
    const stop = new AbortController();
    const helping = helper.work({ signal: stop.signal, pollMs: 5 });
    const { run } = await world.corridor.submit(world.intent());
    const done = await world.corridor.runBuild(run.run_key);
    stop.abort();
    const helped = await helping;
    expect(done).toMatchObject({ state: 'DONE', manifest_key: expected.done.manifest_key });
    const workers = (await tasks.list(run.run_key, done.plan_id!)).map((t) => (t.result as { worker: string }).worker);
    expect(workers).toContain('helper-worker');
    expect(helped).toMatchObject({ processed: 0, shards: workers.filter((w) => w === 'helper-worker').length });
    expect(await built(world.store)).toEqual(expected.bytes);
  });

  it('a shard whose worker died is taken over once its lease lapses; the dead claim can no longer complete', async () => {
    const expected = await oneProcess();
    const inner = createMemoryShardTaskStore();
    let ghostToken: string | undefined;
    // The first claim goes to a worker that dies at once (it never heartbeats or completes).
    const tasks: ShardTaskStore = {
      ...inner,
      async claim(input, options) {
        if (ghostToken === undefined) {
          const ghost = await inner.claim({ ...input, worker: 'ghost', leaseMs: 200 }, options);
          ghostToken = ghost?.token ?? '';
        }
        return inner.claim(input, options);
      },
    };
    const world = await memoryWorld({ events: EVENTS, crossPartitionDuplicates: CROSS, shardTasks: tasks, fanOut: true });
    const { run } = await world.corridor.submit(world.intent());
    const done = await world.corridor.runBuild(run.run_key);
    expect(done).toMatchObject({ state: 'DONE', manifest_key: expected.done.manifest_key });
    const shards = await inner.list(run.run_key, done.plan_id!);
    expect(shards[0]).toMatchObject({ state: 'DONE', attempts: 2 });
    const late = await inner.complete(run.run_key, done.plan_id!, 0, ghostToken!, { worker: 'ghost' }).catch((e: unknown) => e);
    expect(isOfsError(late, 'LEASE_LOST')).toBe(true);
    expect(await built(world.store)).toEqual(expected.bytes);
  });

  it('labels that change under a running build: the merge refuses the shards built against the old labels and rebuilds them', async () => {
    const late = (world: Awaited<ReturnType<typeof memoryWorld>>) => {
      const subject = world.ebRecords.find((r) => r.partition === 0)!;
      return world.labels.append([
        {
          platform_run_id: PRID,
          event_id: subject.event_id,
          label_type: DEMO_LABEL_TYPE,
          value: 'FRAUD',
          effective_time: subject.ts_utc,
          observed_time: subject.ts_utc,
          assertion_id: 'la_backdated_correction',
        },
      ]);
    };
    const expected = await oneProcess(late);
    const inner = createMemoryShardTaskStore();
    let world: Awaited<ReturnType<typeof memoryWorld>> | undefined;
    let completed = 0;
    const tasks: ShardTaskStore = {
      ...inner,
      async complete(...args) {
        const result = await inner.complete(...args);
        // A backdated assertion lands after the first shard was built.
        if (++completed === 1) await late(world!);
        return result;
      },
    };
    world = await memoryWorld({ events: EVENTS, crossPartitionDuplicates: CROSS, shardTasks: tasks, fanOut: true });
    const { run } = await world.corridor.submit(world.intent());
    const done = await world.corridor.runBuild(run.run_key);
    expect(done).toMatchObject({ state: 'DONE', manifest_key: expected.done.manifest_key });
    expect((await inner.list(run.run_key, done.plan_id!))[0]?.attempts).toBe(2);
    expect(await built(world.store)).toEqual(expected.bytes);
  });

  it('a shard that fails with a non-retryable code fails the run with that code, as one process does', async () => {
    const broken = (records: Awaited<ReturnType<typeof memoryWorld>>['ebRecords']) =>
      records.map((r, i) => (r.partition === 2 && i % 97 === 0 ? { ...r, ts_utc: 'not an instant' } : r));
    const plain = await memoryWorld({ events: EVENTS, crossPartitionDuplicates: CROSS, eb: broken });
    const failed = await plain.corridor.runBuild((await plain.corridor.submit(plain.intent())).run.run_key);
    expect(failed.state).toBe('FAILED');
    const world = await memoryWorld({
      events: EVENTS,
      crossPartitionDuplicates: CROSS,
      eb: broken,
      shardTasks: createMemoryShardTaskStore(),
      fanOut: true,
    });
    const done = await world.corridor.runBuild((await world.corridor.submit(world.intent())).run.run_key);
    expect(done.state).toBe('FAILED');
    expect(done.last_error?.code).toBe(failed.last_error?.code);
  });

  it('a shard that keeps failing retryably requeues the run with the shard’s own code', async () => {
    const world = await memoryWorld({
      events: EVENTS,
      crossPartitionDuplicates: CROSS,
      shardTasks: createMemoryShardTaskStore(),
      fanOut: true,
    });
    // The label store answers its state marker but every timeline read fails (a store that is down for reads).
    const labels = {
      stateMarker: (query: Parameters<typeof world.labels.stateMarker>[0]) => world.labels.stateMarker(query),
      // biome-ignore lint/correctness/useYield: the store is down
      async *timelines(): AsyncGenerator<never> {
        throw new OfsError('LABEL_STORE_UNAVAILABLE', { message: 'label store down' });
      },
    };
    const corridor = createCorridor({ ...world.deps, labels });
    const run = await corridor.runBuild((await corridor.submit(world.intent())).run.run_key);
    expect(run.state).toBe('QUEUED');
    expect(run.last_error?.code).toBe('LABEL_STORE_UNAVAILABLE');
  });
});
