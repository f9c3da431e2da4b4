import { createMemoryObjectStore, isOfsError, type ReplayRecord } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { buildAndPublish } from './pipeline-support.js';
import {
  demoSlices,
  everyThirdLabelled,
  repeatingDataset,
  resolved,
  storeSnapshot,
  testPlan,
  testPolicy,
  withConflictingTwin,
} from './test-support.js';

const PARTITIONS = [0, 1, 2, 3];
const SLICES = demoSlices(PARTITIONS, 39);

/** 40 offsets per partition; about one record in five repeats an earlier event (across partitions too). */
const dataset = (seed: number): ReplayRecord[] =>
  repeatingDataset(seed, { partitions: PARTITIONS, offsets: 40, repeat: 0.2, minuteStep: 2, jitter: 3, cards: 4, maxAmount: 999 });
const snapshot = storeSnapshot;
const assertions = everyThirdLabelled;

describe('shard tasks (planShards → buildShard per shard → mergeShards): the one-thread bytes', () => {
  const policy = testPolicy({ part_rows: 9 });
  const plan = testPlan({ slices: SLICES, policy, training: 'NON_TRAINING' });

  it('shards built in any order, each with its own label resolver and through JSON, publish the one-thread manifest', async () => {
    const records = dataset(7);
    expect(records.length - new Set(records.map((r) => r.event_id)).size).toBeGreaterThan(15);
    const build = async (shardOrder?: (n: number) => number[]) => {
      const store = createMemoryObjectStore();
      const result = await buildAndPublish({
        plan,
        policy,
        profile: resolved(),
        eb: records,
        assertions: assertions(records) as never,
        store,
        ...(shardOrder ? { shardOrder } : {}),
      });
      return { result, bytes: await snapshot(store) };
    };
    const one = await build();
    for (const order of [(n: number) => [...Array(n).keys()], (n: number) => [...Array(n).keys()].reverse(), () => [2, 0, 3, 1]]) {
      const sharded = await build(order);
      expect(sharded.result.published.manifestSha256).toBe(one.result.published.manifestSha256);
      expect(sharded.bytes).toEqual(one.bytes);
    }
  });

  it('a conflict across shards fails the fan-out with REPLAY_EVENT_ID_CONFLICT', async () => {
    const tampered = withConflictingTwin(dataset(5), 3, 9);
    const error = await buildAndPublish({
      plan,
      policy,
      profile: resolved(),
      eb: tampered,
      store: createMemoryObjectStore(),
      shardOrder: (n) => [...Array(n).keys()],
    }).catch((e: unknown) => e);
    expect(isOfsError(error, 'REPLAY_EVENT_ID_CONFLICT'), String(error)).toBe(true);
  });
});
