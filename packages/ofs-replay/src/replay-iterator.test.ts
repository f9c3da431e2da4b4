import { isOfsError, type ReplayRecord, type ReplaySlice, type ReplaySource, type TrainingPosture } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryReplaySource } from './memory-source.js';
import { MAX_NUMBER_OFFSET } from './offset-number.js';
import { resolveReplay, resolveReplayWith } from './resolve-replay.js';
import { drain, H, POLICY, rec, testPlan, testStore } from './test-support.js';

const T = 'fp.bus.traffic.fraud.v1';
const K = 'kafka_offset';
const slice = (start: bigint, end: bigint, kind = K): ReplaySlice => ({
  topic: T,
  partition: 0,
  offset_kind: kind,
  start_offset: start.toString(),
  end_offset: end.toString(),
});
const outcome = async (p: Promise<{ records: ReplayRecord[]; receipt: unknown }>) => {
  try {
    return { ok: await p };
  } catch (error) {
    return { failed: { code: (error as { code?: string }).code, message: (error as Error).message } };
  }
};

/**
 * Slices straddling 2^53: the base puts the slice end on either side of 2^53 − 1, and records
 * (some foreign, some beyond the slice, some repeated with another hash) on both sides of it.
 */
const straddling = fc.record({
  base: fc.constantFrom(0n, MAX_NUMBER_OFFSET - 40n, MAX_NUMBER_OFFSET - 10n, MAX_NUMBER_OFFSET - 1n, MAX_NUMBER_OFFSET),
  length: fc.integer({ min: 1, max: 30 }),
  kind: fc.constantFrom(K, 'kinesis_sequence'),
  posture: fc.constantFrom<TrainingPosture>('TRAINING', 'NON_TRAINING'),
  eb: fc.array(fc.record({ at: fc.integer({ min: -3, max: 40 }), hash: fc.constantFrom('a', 'a', 'b'), foreign: fc.boolean() }), {
    maxLength: 40,
  }),
  archive: fc.array(fc.record({ at: fc.integer({ min: -3, max: 40 }), hash: fc.constantFrom('a', 'a', 'b'), foreign: fc.boolean() }), {
    maxLength: 40,
  }),
  ebCoverage: fc.option(fc.tuple(fc.integer({ min: -3, max: 40 }), fc.integer({ min: 0, max: 40 }))),
});

describe('replay offsets: number fast path', () => {
  it('gives the same records, receipt bytes and failures as the BigInt path, on both sides of 2^53', async () => {
    await fc.assert(
      fc.asyncProperty(straddling, async (s) => {
        const at = (o: number) => s.base + BigInt(o);
        const records = (xs: typeof s.eb) =>
          xs.filter((x) => at(x.at) >= 0n).map((x) => rec(T, x.foreign ? 1 : 0, s.kind, at(x.at), H(x.hash)));
        const sl = slice(s.base, at(s.length - 1), s.kind);
        const ebOptions = s.ebCoverage
          ? { coverage: () => [{ start: at(s.ebCoverage![0]).toString(), end: at(s.ebCoverage![0] + s.ebCoverage![1]).toString() }] }
          : {};
        const run = async (mode: 'auto' | 'bigint') => {
          const store = testStore();
          const deps = {
            eb: createMemoryReplaySource(records(s.eb), ebOptions),
            archive: createMemoryReplaySource(records(s.archive)),
            policy: POLICY,
            store,
          };
          const result = await outcome(drain(resolveReplayWith(testPlan([sl], s.posture), deps, {}, mode)));
          return { result, stored: [...store.objects.values()].map((b) => new TextDecoder().decode(b)) };
        };
        const fast = await run('auto');
        const general = await run('bigint');
        expect(fast).toEqual(general);
      }),
      { numRuns: 300 },
    );
  });
});

describe('replay record iterator', () => {
  const deps = (n: number, store = testStore()) => ({
    eb: createMemoryReplaySource(Array.from({ length: n }, (_, o) => rec(T, 0, K, String(o), H('a')))),
    archive: createMemoryReplaySource([]),
    policy: POLICY,
    store,
  });

  it('serves next() calls made without waiting in order, like awaiting each', async () => {
    const expected = await drain(resolveReplay(testPlan([slice(0n, 2999n)]), deps(3000)));
    const r = resolveReplay(testPlan([slice(0n, 2999n)]), deps(3000));
    const iterator = r.records[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 3002 }, () => iterator.next()));
    expect(results.slice(0, 3000).map((x) => x.value)).toEqual(expected.records);
    expect(results.slice(3000).every((x) => x.done)).toBe(true);
    expect(await r.receipt).toEqual(expected.receipt);
  });

  it('rejects the receipt with ABORTED when closed before the first record, and is done afterwards', async () => {
    const store = testStore();
    const r = resolveReplay(testPlan([slice(0n, 9n)]), deps(10, store));
    const iterator = r.records[Symbol.asyncIterator]();
    expect(await iterator.return!()).toEqual({ value: undefined, done: true });
    const receipt = await r.receipt.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isOfsError(receipt, 'ABORTED')).toBe(true);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(store.objects.size).toBe(0);
  });

  it('ends after the error that stopped it, having closed the sources first', async () => {
    let closed = 0;
    const failing: ReplaySource = {
      coverage: async () => [{ start: '0', end: '9' }],
      async *read() {
        try {
          yield rec(T, 0, K, '0', H('a'));
          yield rec(T, 0, K, '1', 'short');
        } finally {
          closed++;
        }
      },
    };
    const r = resolveReplay(testPlan([slice(0n, 9n)], 'NON_TRAINING'), {
      eb: failing,
      archive: createMemoryReplaySource([]),
      policy: POLICY,
      store: testStore(),
    });
    const iterator = r.records[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.offset).toBe('0');
    const error = await iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOfsError(error, 'REPLAY_RECORD_INVALID')).toBe(true);
    expect(closed).toBe(1);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(await r.receipt.catch((e: unknown) => e)).toBe(error);
  });
});
