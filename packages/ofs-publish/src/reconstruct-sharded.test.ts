import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMemoryObjectStore, isOfsError, type ReplayRecord } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { buildAndPublish } from './pipeline-support.js';
import { defaultShardWorkerUrl } from './reconstruct-sharded.js';
import {
  demoSlices,
  everyThirdLabelled,
  record,
  repeatingDataset,
  resolved,
  storeSnapshot,
  testPlan,
  testPolicy,
  withConflictingTwin,
} from './test-support.js';

// The workers run the built script (dist/shard-worker.js): `pnpm test:all` builds first.
const built = existsSync(fileURLToPath(defaultShardWorkerUrl()));
if (!built) console.warn('[skip] reconstruct-sharded.test: build @ofs/publish first (pnpm build) to run the worker-thread tests');

const PARTITIONS = [0, 1, 2, 3, 4];
const SLICES = demoSlices(PARTITIONS, 29);

/**
 * 30 offsets per partition; about one record in six repeats an event of an earlier partition
 * (or an earlier offset of its own), so duplicates cross shards whatever the thread count.
 */
const dataset = (seed: number): ReplayRecord[] =>
  repeatingDataset(seed, { partitions: PARTITIONS, offsets: 30, repeat: 0.17, minuteStep: 2, jitter: 3, cards: 4, maxAmount: 999 });
const snapshot = storeSnapshot;
const assertions = everyThirdLabelled;

describe.skipIf(!built)('reconstructSharded: worker threads, the same bytes as one thread', () => {
  it('1, 2, 3 and 5 threads write identical parts, receipts, statistics and manifest, with duplicates across shards', async () => {
    const records = dataset(11);
    const dupes = records.length - new Set(records.map((r) => r.event_id)).size;
    expect(dupes).toBeGreaterThan(10);
    const policy = testPolicy({ part_rows: 8 });
    const plan = testPlan({ slices: SLICES, policy, training: 'NON_TRAINING' });
    const build = async (threads?: number, workerRead = false) => {
      const store = createMemoryObjectStore();
      const result = await buildAndPublish({
        plan,
        policy,
        profile: resolved(),
        eb: records,
        assertions: assertions(records) as never,
        store,
        ...(threads === undefined ? {} : { threads, workerRead }),
      });
      return { result, bytes: await snapshot(store) };
    };
    const one = await build();
    expect(one.result.draft.draft.totals.duplicates_dropped).toBe(dupes);
    expect(one.result.draft.draft.rows_digest_recipe).toBe('ofs.rows_digest.v3');
    expect((one.result.draft.labelReceipt as { resolved_digest_recipe?: string }).resolved_digest_recipe).toBe(
      'ofs.labels.resolved_digest.v2',
    );
    for (const threads of [2, 3, 5]) {
      const sharded = await build(threads);
      expect(sharded.result.published.manifestSha256, `${threads} threads`).toBe(one.result.published.manifestSha256);
      expect(sharded.bytes).toEqual(one.bytes);
    }
    // Workers that read their partitions themselves (no record crosses threads): the same bytes.
    const selfRead = await build(2, true);
    expect(selfRead.result.published.manifestSha256).toBe(one.result.published.manifestSha256);
    expect(selfRead.bytes).toEqual(one.bytes);
  });

  it('a conflict (same event id, another payload) across shards fails with REPLAY_EVENT_ID_CONFLICT, as on one thread', async () => {
    const tampered = withConflictingTwin(dataset(5), 4, 7);
    const policy = testPolicy({ part_rows: 8 });
    const plan = testPlan({ slices: SLICES, policy, training: 'NON_TRAINING' });
    for (const threads of [undefined, 2, 3]) {
      const error = await buildAndPublish({
        plan,
        policy,
        profile: resolved(),
        eb: tampered,
        store: createMemoryObjectStore(),
        ...(threads === undefined ? {} : { threads }),
      }).catch((e: unknown) => e);
      expect(isOfsError(error, 'REPLAY_EVENT_ID_CONFLICT'), `${threads ?? 1} threads: ${String(error)}`).toBe(true);
    }
  });

  it("a worker's failure fails the build with the worker's code", async () => {
    const records = dataset(3);
    // A typed-column violation inside the row loop of one partition's worker.
    const broken = records.map((r) =>
      r.partition === 3 && r.offset === '4' ? record(4, r.event_id + '_x', r.ts_utc, 'not an object' as never, { partition: 3 }) : r,
    );
    const policy = testPolicy({ part_rows: 8 });
    const plan = testPlan({ slices: SLICES, policy, training: 'NON_TRAINING' });
    const error = await buildAndPublish({
      plan,
      policy,
      profile: resolved(),
      eb: broken,
      store: createMemoryObjectStore(),
      threads: 2,
    }).catch((e: unknown) => e);
    expect(isOfsError(error, 'REPLAY_RECORD_INVALID'), String(error)).toBe(true);
  });
});
