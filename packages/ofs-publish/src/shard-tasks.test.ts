import { createMemoryObjectStore, isOfsError, type ObjectStore, type ReplayRecord } from '@ofs/contracts';
import { DEMO_TOPIC } from '@ofs/features';
import { describe, expect, it } from 'vitest';
import { buildAndPublish } from './pipeline-support.js';
import { at, payment, record, resolved, RUN, testPlan, testPolicy } from './test-support.js';

const PARTITIONS = [0, 1, 2, 3];
const SLICES = PARTITIONS.map((partition) => ({
  topic: DEMO_TOPIC,
  partition,
  offset_kind: 'kafka_offset',
  start_offset: '0',
  end_offset: '39',
}));

/** 40 offsets per partition; about one record in five repeats an event of an earlier partition or offset. */
function dataset(seed: number): ReplayRecord[] {
  let n = seed;
  const rand = () => {
    n = (Math.imul(n, 1103515245) + 12345) >>> 0;
    return n / 2 ** 32;
  };
  const out: ReplayRecord[] = [];
  const seen: ReplayRecord[] = [];
  for (const partition of PARTITIONS) {
    for (let o = 0; o < 40; o++) {
      if (seen.length > 0 && rand() < 0.2) {
        out.push({ ...seen[Math.floor(rand() * seen.length)]!, partition, offset: String(o) });
        continue;
      }
      const r = record(
        o,
        `evt_${partition}_${o}`,
        at(o * 2 + Math.floor(rand() * 3)),
        payment(`c${Math.floor(rand() * 4)}`, `m${Math.floor(rand() * 3)}`, `${Math.floor(rand() * 999)}.${Math.floor(rand() * 99)}`),
        { partition },
      );
      seen.push(r);
      out.push(r);
    }
  }
  return out;
}

const assertions = (records: ReplayRecord[]) =>
  records
    .filter((_, i) => i % 3 === 0)
    .map((r, i) => ({
      assertion_id: `as_${r.event_id}_${i}`,
      platform_run_id: RUN,
      event_id: r.event_id,
      label_type: 'fraud_disposition',
      value: i % 4 === 0 ? 'FRAUD' : 'LEGIT',
      effective_time: r.ts_utc,
      observed_time: '2026-02-01T00:00:00Z',
    }));

async function snapshot(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const key of store.list(`${RUN}/`)) out.set(key, Buffer.from((await store.get(key))!).toString('base64'));
  return out;
}

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
    const records = dataset(5);
    const victim = records.find((r) => r.partition === 0)!;
    const twin = record(9, victim.event_id, victim.ts_utc, { ...(victim.payload as object), amount: '1.00' }, { partition: 3 });
    const tampered = records.map((r) => (r.partition === 3 && r.offset === '9' ? twin : r));
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
