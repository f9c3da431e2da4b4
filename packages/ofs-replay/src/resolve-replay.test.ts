import { isOfsError, type OffsetRange, type ReplayRecord, type ReplaySlice, type ReplaySource } from '@ofs/contracts';
import { createEvidenceDigest } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { createMemoryReplaySource } from './memory-source.js';
import { resolveReplay } from './resolve-replay.js';
import { drain, H, POLICY, rec, testPlan, testStore } from './test-support.js';

const T = 'fp.bus.traffic.fraud.v1';
const K = 'kafka_offset';
const slice = (start: string, end: string, partition = 0, kind = K): ReplaySlice => ({
  topic: T,
  partition,
  offset_kind: kind,
  start_offset: start,
  end_offset: end,
});
const recs = (from: number, to: number, hash = 'a', partition = 0, kind = K) => {
  const out: ReplayRecord[] = [];
  for (let o = from; o <= to; o++) out.push(rec(T, partition, kind, String(o), H(hash)));
  return out;
};
const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A source that counts reads, for asserting what was (not) read. */
function counting(source: ReplaySource) {
  const calls: OffsetRange[] = [];
  return {
    calls,
    source: {
      coverage: (s: ReplaySlice) => source.coverage(s),
      read(s: ReplaySlice, range: OffsetRange) {
        calls.push(range);
        return source.read(s, range);
      },
    } satisfies ReplaySource,
  };
}

describe('resolveReplay', () => {
  it('serves EB inside its coverage and the Archive outside it, and writes the receipt write-once', async () => {
    const eb = createMemoryReplaySource(recs(105, 110));
    const archive = createMemoryReplaySource(recs(100, 107));
    const store = testStore();
    const plan = testPlan([slice('100', '110')]);
    const { records, receipt } = await drain(resolveReplay(plan, { eb, archive, policy: POLICY, store }));
    expect(records.map((r) => r.offset)).toEqual(['100', '101', '102', '103', '104', '105', '106', '107', '108', '109', '110']);
    const s = receipt.slices[0]!;
    expect(s).toMatchObject({
      status: 'COMPLETE',
      mode: 'ARCHIVE_THEN_EB',
      cutover_offset: '104',
      eb_coverage: [{ start: '105', end: '110' }],
      archive_coverage: [{ start: '100', end: '107' }],
      selected: { eb: [{ start: '105', end: '110' }], archive: [{ start: '100', end: '104' }] },
      missing: [],
      missing_offsets: '0',
    });
    expect(s.counts).toEqual({
      records: 11,
      from_eb: 6,
      from_archive: 5,
      duplicates: 0,
      mismatches: 0,
      dropped_out_of_range: 0,
      dropped_foreign: 0,
    });
    expect(receipt.totals).toEqual(s.counts);
    expect(receipt).toMatchObject({
      plan_id: plan.plan_id,
      platform_run_id: plan.platform_run_id,
      basis_hash: plan.basis_hash,
      training_posture: 'TRAINING',
      status: 'COMPLETE',
    });
    const expected = createEvidenceDigest();
    for (const r of records) expected.add(r.topic, r.partition, r.offset, BigInt(r.offset) >= 105n ? 'EB' : 'ARCHIVE', r.payload_hash);
    expect(receipt.evidence_digest).toBe(expected.digestHex());
    const key = `${plan.platform_run_id}/ofs/replay/${plan.plan_id}.json`;
    expect(JSON.parse(new TextDecoder().decode(store.objects.get(key)))).toEqual(receipt);
    // A rerun over the same sources converges on the same bytes.
    await drain(resolveReplay(plan, { eb, archive, policy: POLICY, store }));
    // Different content under the same plan is refused, never overwritten.
    const other = createMemoryReplaySource(recs(100, 110));
    const error = await caught(drain(resolveReplay(plan, { eb: other, archive, policy: POLICY, store })));
    expect(isOfsError(error, 'ARTIFACT_IMMUTABILITY_VIOLATION')).toBe(true);
  });

  it('emits slices in plan order and reports each slice separately', async () => {
    const eb = createMemoryReplaySource([...recs(0, 4, 'a', 1), ...recs(10, 12, 'a', 0)]);
    const archive = createMemoryReplaySource([]);
    const { records, receipt } = await drain(
      resolveReplay(testPlan([slice('0', '4', 1), slice('10', '12', 0)]), { eb, archive, policy: POLICY, store: testStore() }),
    );
    expect(records.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@10', '0@11', '0@12', '1@0', '1@1', '1@2', '1@3', '1@4']);
    expect(receipt.slices.map((s) => [s.partition, s.mode, s.counts.records])).toEqual([
      [0, 'EB_ONLY', 3],
      [1, 'EB_ONLY', 5],
    ]);
  });

  it('fails a training build before reading when coverage proves it UNSATISFIABLE', async () => {
    const eb = counting(createMemoryReplaySource(recs(100, 104)));
    const archive = counting(createMemoryReplaySource([]));
    const r = resolveReplay(testPlan([slice('100', '110')]), {
      eb: eb.source,
      archive: archive.source,
      policy: POLICY,
      store: testStore(),
    });
    const error = await caught(drain(r));
    expect(isOfsError(error, 'REPLAY_UNSATISFIABLE')).toBe(true);
    expect((error as { details: unknown }).details).toMatchObject({ slices: [{ uncovered: [{ start: '105', end: '110' }] }] });
    expect(eb.calls).toEqual([]);
    expect(archive.calls).toEqual([]);
    expect(isOfsError(await caught(r.receipt), 'REPLAY_UNSATISFIABLE')).toBe(true);
  });

  it('lets a non-training build read on and records UNSATISFIABLE with the uncovered range', async () => {
    const eb = createMemoryReplaySource(recs(100, 104));
    const archive = createMemoryReplaySource([]);
    const { records, receipt } = await drain(
      resolveReplay(testPlan([slice('100', '110')], 'NON_TRAINING'), { eb, archive, policy: POLICY, store: testStore() }),
    );
    expect(records).toHaveLength(5);
    expect(receipt.status).toBe('UNSATISFIABLE');
    expect(receipt.slices[0]).toMatchObject({ missing: [{ start: '105', end: '110' }], missing_offsets: '6' });
    expect(receipt.anomalies.list).toEqual([
      { code: 'REPLAY_BASIS_UNCOVERED', topic: T, partition: 0, offset_kind: K, start: '105', end: '110', details: {} },
    ]);
  });

  it('is UNCHECKABLE when a source cannot tell its coverage (training fails early with REPLAY_UNCHECKABLE)', async () => {
    const eb = createMemoryReplaySource(recs(100, 110), { coverage: null });
    const archive = createMemoryReplaySource([]);
    const nonTraining = await drain(
      resolveReplay(testPlan([slice('100', '110')], 'NON_TRAINING'), { eb, archive, policy: POLICY, store: testStore() }),
    );
    expect(nonTraining.receipt.status).toBe('UNCHECKABLE');
    expect(nonTraining.receipt.slices[0]!.eb_coverage).toBeNull();
    expect(nonTraining.records).toHaveLength(11);
    const error = await caught(drain(resolveReplay(testPlan([slice('100', '110')]), { eb, archive, policy: POLICY, store: testStore() })));
    expect(isOfsError(error, 'REPLAY_UNCHECKABLE')).toBe(true);
  });

  it('treats unknown offset kinds as UNCHECKABLE and gaps of sparse kinds as normal', async () => {
    const sparse = [rec(T, 0, 'kinesis_sequence', '1000', H('a')), rec(T, 0, 'kinesis_sequence', '1500', H('b'))];
    const { receipt } = await drain(
      resolveReplay(testPlan([slice('1000', '1500', 0, 'kinesis_sequence')]), {
        eb: createMemoryReplaySource(sparse),
        archive: createMemoryReplaySource([]),
        policy: POLICY,
        store: testStore(),
      }),
    );
    expect(receipt.status).toBe('COMPLETE');
    expect(receipt.slices[0]!.selected.eb).toEqual([{ start: '1000', end: '1500' }]);
    const unknown = [rec(T, 0, 'file_line', '1', H('a'))];
    const r2 = await drain(
      resolveReplay(testPlan([slice('1', '1', 0, 'file_line')], 'NON_TRAINING'), {
        eb: createMemoryReplaySource(unknown),
        archive: createMemoryReplaySource([]),
        policy: POLICY,
        store: testStore(),
      }),
    );
    expect(r2.receipt.status).toBe('UNCHECKABLE');
  });

  it('drops and counts foreign and out-of-range records, and repeated offsets within one source', async () => {
    const noisy: ReplaySource = {
      coverage: async () => [{ start: '100', end: '103' }],
      async *read() {
        yield rec(T, 0, K, '99', H('a'));
        yield rec(T, 0, K, '100', H('a'));
        yield rec(T, 1, K, '101', H('a'));
        yield rec('other', 0, K, '101', H('a'));
        yield rec(T, 0, 'kinesis_sequence', '101', H('a'));
        yield rec(T, 0, K, '101', H('a'));
        yield rec(T, 0, K, '101', H('a'));
        yield rec(T, 0, K, '102', H('a'));
        yield rec(T, 0, K, '102', H('f'));
        yield rec(T, 0, K, '103', H('a'));
        yield rec(T, 0, K, '104', H('a'));
      },
    };
    const { records, receipt } = await drain(
      resolveReplay(testPlan([slice('100', '103')], 'NON_TRAINING'), {
        eb: noisy,
        archive: createMemoryReplaySource([]),
        policy: POLICY,
        store: testStore(),
      }),
    );
    expect(records.map((r) => r.offset)).toEqual(['100', '101', '102', '103']);
    expect(records[2]!.payload_hash).toBe(H('a'));
    expect(receipt.slices[0]!.counts).toEqual({
      records: 4,
      from_eb: 4,
      from_archive: 0,
      duplicates: 2,
      mismatches: 1,
      dropped_out_of_range: 2,
      dropped_foreign: 3,
    });
    expect(receipt.status).toBe('INCOMPLETE');
    expect(receipt.anomalies.list[0]).toMatchObject({
      code: 'REPLAY_DUPLICATE_OFFSET_MISMATCH',
      start: '102',
      details: { source: 'EB', first_payload_hash: H('a'), second_payload_hash: H('f') },
    });
    const training = await caught(
      drain(
        resolveReplay(testPlan([slice('100', '103')]), {
          eb: noisy,
          archive: createMemoryReplaySource([]),
          policy: POLICY,
          store: testStore(),
        }),
      ),
    );
    expect(isOfsError(training, 'REPLAY_BASIS_MISMATCH')).toBe(true);
  });

  it('refuses a source that breaks offset order or returns malformed records', async () => {
    const backwards: ReplaySource = {
      coverage: async () => [{ start: '1', end: '3' }],
      async *read() {
        yield rec(T, 0, K, '2', H('a'));
        yield rec(T, 0, K, '1', H('a'));
      },
    };
    const deps = { archive: createMemoryReplaySource([]), policy: POLICY, store: testStore() };
    const e1 = await caught(drain(resolveReplay(testPlan([slice('1', '3')], 'NON_TRAINING'), { ...deps, eb: backwards })));
    expect(isOfsError(e1, 'REPLAY_RECORD_INVALID')).toBe(true);
    const badOffset: ReplaySource = {
      coverage: async () => [{ start: '1', end: '3' }],
      async *read() {
        yield { ...rec(T, 0, K, '1', H('a')), offset: '01' };
      },
    };
    const e2 = await caught(drain(resolveReplay(testPlan([slice('1', '3')], 'NON_TRAINING'), { ...deps, eb: badOffset })));
    expect(isOfsError(e2, 'REPLAY_RECORD_INVALID')).toBe(true);
    const badCoverage: ReplaySource = { coverage: async () => [{ start: '3', end: '1' }], read: backwards.read };
    const e3 = await caught(drain(resolveReplay(testPlan([slice('1', '3')], 'NON_TRAINING'), { ...deps, eb: badCoverage })));
    expect(isOfsError(e3, 'REPLAY_RECORD_INVALID')).toBe(true);
  });

  it('wraps a failing source as retryable REPLAY_SOURCE_UNAVAILABLE', async () => {
    const broken: ReplaySource = {
      coverage: async () => [{ start: '1', end: '3' }],
      // biome-ignore lint/correctness/useYield: a source that fails before its first record
      async *read() {
        throw new TypeError('socket hang up');
      },
    };
    const r = resolveReplay(testPlan([slice('1', '3')]), {
      eb: broken,
      archive: createMemoryReplaySource([]),
      policy: POLICY,
      store: testStore(),
    });
    const error = await caught(drain(r));
    expect(isOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    const unreachable: ReplaySource = { coverage: () => Promise.reject(new Error('ECONNREFUSED')), read: broken.read };
    const e2 = await caught(
      drain(resolveReplay(testPlan([slice('1', '3')]), { eb: unreachable, archive: broken, policy: POLICY, store: testStore() })),
    );
    expect(isOfsError(e2, 'REPLAY_SOURCE_UNAVAILABLE')).toBe(true);
  });

  it('bounds the anomaly list but keeps exact totals', async () => {
    const odd: ReplayRecord[] = [];
    for (let o = 0; o <= 20; o += 2) odd.push(rec(T, 0, K, String(o), H('a')));
    const eb = createMemoryReplaySource(odd, { coverage: () => [{ start: '0', end: '20' }] });
    const { receipt } = await drain(
      resolveReplay(testPlan([slice('0', '20')], 'NON_TRAINING'), {
        eb,
        archive: createMemoryReplaySource([]),
        policy: { anomaly_list_limit: 3 },
        store: testStore(),
      }),
    );
    expect(receipt.anomalies).toMatchObject({ total: 10, by_code: { REPLAY_BASIS_GAP: 10 }, truncated: true });
    expect(receipt.anomalies.list).toHaveLength(3);
    expect(receipt.slices[0]).toMatchObject({ missing_offsets: '10', ranges_truncated: true });
    expect(receipt.slices[0]!.missing).toEqual([
      { start: '1', end: '1' },
      { start: '3', end: '3' },
      { start: '5', end: '5' },
    ]);
    expect(receipt.status).toBe('INCOMPLETE');
  });

  it('rejects the receipt with ABORTED when the consumer stops early, and closes the sources', async () => {
    let closed = 0;
    const eb: ReplaySource = {
      coverage: async () => [{ start: '0', end: '9' }],
      async *read() {
        try {
          for (let o = 0; o <= 9; o++) yield rec(T, 0, K, String(o), H('a'));
        } finally {
          closed++;
        }
      },
    };
    const store = testStore();
    const r = resolveReplay(testPlan([slice('0', '9')]), { eb, archive: createMemoryReplaySource([]), policy: POLICY, store });
    for await (const record of r.records) if (record.offset === '3') break;
    expect(isOfsError(await caught(r.receipt), 'ABORTED')).toBe(true);
    expect(closed).toBe(1);
    expect(store.objects.size).toBe(0);
  });

  it('never leaves an unhandled rejection when the receipt is ignored', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Training + no coverage: the records stream fails (REPLAY_UNSATISFIABLE); nobody awaits the receipt.
      const r = resolveReplay(testPlan([slice('0', '9')]), {
        eb: createMemoryReplaySource([]),
        archive: createMemoryReplaySource([]),
        policy: POLICY,
        store: testStore(),
      });
      const error = await caught(drain({ records: r.records, receipt: Promise.resolve(undefined as never) }));
      expect(isOfsError(error, 'REPLAY_UNSATISFIABLE')).toBe(true);
      // An abandoned, never-started stream leaves a pending (not rejected) receipt.
      resolveReplay(testPlan([slice('0', '9')]), {
        eb: createMemoryReplaySource([]),
        archive: createMemoryReplaySource([]),
        policy: POLICY,
        store: testStore(),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('can be iterated once and honours an AbortSignal', async () => {
    const deps = { eb: createMemoryReplaySource(recs(0, 9)), archive: createMemoryReplaySource([]), policy: POLICY, store: testStore() };
    const r = resolveReplay(testPlan([slice('0', '9')]), deps);
    await drain(r);
    expect(() => r.records[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'INTERNAL_ERROR' }));
    const aborted = resolveReplay(testPlan([slice('0', '9')]), deps, { signal: AbortSignal.abort() });
    expect(isOfsError(await caught(drain(aborted)), 'ABORTED')).toBe(true);
  });
});
