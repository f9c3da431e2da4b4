import {
  type AppendableLabelStore,
  isOfsError,
  type LabelAssertion,
  LabelReceiptSchema,
  type LabelStore,
  type LabelSubject,
  parseInstant,
} from '@ofs/contracts';
import { sha256Hex, utf8 } from '@ofs/ids';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import vectors from './fixtures/reference-label-store.json' with { type: 'json' };
import { labelDigestFragment, resolvedDigestLine } from './digest-line.js';
import { createMemoryLabelStore } from './memory-label-store.js';
import { labelReceiptKey } from './receipt.js';
import { createLabelResolver } from './resolver.js';
import { assertion, memoryArtifacts, portOnly, RUN, testPlan, testPolicy } from './test-support.js';

const EARLY = '2026-01-01T00:00:00Z';
const subject = (event_id: string, ts_utc = EARLY): LabelSubject => ({ event_id, ts_utc });
const checkReceipt = Compile(LabelReceiptSchema);
const HOUR = 3_600_000;
/** The resolved digest of the delay test's store, computed by the resolver before labels carried a delay. */
const PINNED_DIGEST = 'ed52e1611ee5b4e362c9c4ce623d3ae4dfe39391b695fb22470349dfc182aa26';

/** observed − effective in ms, computed independently of the resolver (instants as BigInt nanoseconds). */
function naiveDelay(a: LabelAssertion): number {
  const ns = (text: string) => {
    const t = parseInstant(text)!;
    return BigInt(t.epochMs) * 1_000_000n + BigInt(t.subMsNanos);
  };
  return Number(ns(a.observed_time) - ns(a.effective_time)) / 1e6;
}

async function storeWith(assertions: LabelAssertion[]): Promise<AppendableLabelStore> {
  const store = createMemoryLabelStore();
  await store.append(assertions);
  return store;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isOfsError(error) ? error.code : `not an OfsError: ${String(error)}`;
  }
  return 'no error';
}

async function resolveOne(store: LabelStore, asof: string, event_id: string, label_type = 'fraud_disposition') {
  const plan = testPlan({ label_asof_utc: asof, label_asof_instant: asof }, 'NON_TRAINING');
  const resolver = createLabelResolver(plan, { store, policy: testPolicy({ label_types: [label_type] }), artifacts: memoryArtifacts() });
  const [row] = await resolver.resolveBatch([subject(event_id)]);
  return row!.labels[label_type]!;
}

describe('label as-of resolution: reference vectors', () => {
  const statusOf = { RESOLVED: 'LABELLED', NOT_FOUND: 'UNLABELLED', CONFLICT: 'CONFLICT' } as const;
  for (const c of vectors.cases) {
    it(c.name, async () => {
      const store = await storeWith(c.assertions as LabelAssertion[]);
      for (const q of c.as_of_queries) {
        const label = await resolveOne(store, q.as_of, q.event_id, q.label_type);
        if (c.name === 'tie_detection_uses_raw_strings_BUG') {
          // The reference compares raw strings and silently picks one; equal instants are a tie here.
          expect(label).toEqual({ status: 'CONFLICT', value: null, assertion_id: null });
          continue;
        }
        const status = statusOf[q.status as keyof typeof statusOf];
        const selected = (c.assertions as LabelAssertion[]).find((a) => a.assertion_id === q.selected_assertion_id);
        expect(label, `${q.event_id} as of ${q.as_of}`).toEqual({
          status,
          value: status === 'LABELLED' ? q.selected_label_value : null,
          assertion_id: status === 'LABELLED' ? q.selected_assertion_id : null,
          ...(status === 'LABELLED' ? { delay_ms: naiveDelay(selected!) } : {}),
        });
      }
    });
  }
});

describe('label as-of resolution: cutoff, ranking and conflicts', () => {
  it('treats Z, +00:00 and other offsets of one instant as equal at the cutoff', async () => {
    const store = await storeWith([assertion('e1', 'a1', 'FRAUD', '2026-02-10T09:00:00Z', '2026-02-10T12:00:00+00:00')]);
    for (const asof of ['2026-02-10T12:00:00Z', '2026-02-10T12:00:00+00:00', '2026-02-10T13:00:00+01:00', '2026-02-10T12:00:00.000z']) {
      expect((await resolveOne(store, asof, 'e1')).status, asof).toBe('LABELLED');
    }
    for (const asof of ['2026-02-10T11:59:59.999999999Z', '2026-02-10T12:59:59+01:00']) {
      expect((await resolveOne(store, asof, 'e1')).status, asof).toBe('UNLABELLED');
    }
  });

  it('ranks by effective_time, then observed_time, then the greatest assertion_id', async () => {
    const store = await storeWith([
      assertion('e1', 'a9', 'OLD', '2026-02-10T08:00:00Z', '2026-02-10T11:00:00Z'),
      assertion('e1', 'a1', 'NEW', '2026-02-10T09:00:00+01:00', '2026-02-10T10:00:00Z'), // 08:00Z, observed later than a9? no: earlier
      assertion('e2', 'b1', 'X', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e2', 'b2', 'Y', '2026-02-10T08:00:00Z', '2026-02-10T10:30:00Z'),
      assertion('e3', 'c1', 'SAME', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e3', 'c3', 'SAME', '2026-02-10T09:00:00+01:00', '2026-02-10T11:00:00+01:00'),
      assertion('e3', 'c2', 'SAME', '2026-02-10T08:00:00.000Z', '2026-02-10T10:00:00.0Z'),
    ]);
    // a9 and a1 have the same effective instant; a9 was observed later.
    expect(await resolveOne(store, '2026-02-10T12:00:00Z', 'e1')).toEqual({
      status: 'LABELLED',
      value: 'OLD',
      assertion_id: 'a9',
      delay_ms: 3 * HOUR,
    });
    expect(await resolveOne(store, '2026-02-10T12:00:00Z', 'e2')).toEqual({
      status: 'LABELLED',
      value: 'Y',
      assertion_id: 'b2',
      delay_ms: 2.5 * HOUR,
    });
    // Three spellings of one (effective, observed) pair agreeing on the value: the greatest id.
    expect(await resolveOne(store, '2026-02-10T12:00:00Z', 'e3')).toEqual({
      status: 'LABELLED',
      value: 'SAME',
      assertion_id: 'c3',
      delay_ms: 2 * HOUR,
    });
  });

  it('reports CONFLICT when top-tied assertions disagree, even on values that look alike', async () => {
    const store = await storeWith([
      assertion('e1', 'a1', 1, '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e1', 'a2', '1', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e2', 'b1', 'X', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e2', 'b2', 'Y', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e2', 'b3', 'Y', '2026-02-10T08:00:00Z', '2026-02-10T11:00:00Z'),
    ]);
    expect((await resolveOne(store, '2026-02-10T12:00:00Z', 'e1')).status).toBe('CONFLICT');
    expect((await resolveOne(store, '2026-02-10T10:30:00Z', 'e2')).status).toBe('CONFLICT');
    // A strictly later observation settles it.
    expect(await resolveOne(store, '2026-02-10T12:00:00Z', 'e2')).toEqual({
      status: 'LABELLED',
      value: 'Y',
      assertion_id: 'b3',
      delay_ms: 3 * HOUR,
    });
  });

  it('does not let a future effective_time or another run or type change the result', async () => {
    const store = await storeWith([
      assertion('e1', 'a1', 'FUTURE', '2027-01-01T00:00:00Z', '2026-02-10T10:00:00Z'),
      assertion('e1', 'a2', 'OTHER_TYPE', '2028-01-01T00:00:00Z', '2026-02-10T10:00:00Z', 'chargeback_status'),
      { ...assertion('e1', 'a3', 'OTHER_RUN', '2028-01-01T00:00:00Z', '2026-02-10T10:00:00Z'), platform_run_id: 'platform_x' },
    ]);
    // Observed before it takes effect: a negative delay.
    expect(await resolveOne(store, '2026-02-10T12:00:00Z', 'e1')).toEqual({
      status: 'LABELLED',
      value: 'FUTURE',
      assertion_id: 'a1',
      delay_ms: Date.parse('2026-02-10T10:00:00Z') - Date.parse('2027-01-01T00:00:00Z'),
    });
  });

  it('refuses label timestamps that are not RFC 3339 with a zone, even from a store that did not check', async () => {
    for (const [field, bad] of [
      ['observed_time', '2026-02-10T10:00:00'],
      ['effective_time', '2026-02-10 10:00:00Z'],
      ['observed_time', '2026-02-10'],
    ] as const) {
      const lax: LabelStore = {
        async *timelines() {
          yield { ...assertion('e1', 'a1', 'X', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00Z'), [field]: bad };
        },
        stateMarker: async () => 'lax',
        append: async () => undefined,
      };
      const resolver = createLabelResolver(testPlan(), { store: lax, policy: testPolicy(), artifacts: memoryArtifacts() });
      const err = await resolver.resolveBatch([subject('e1')]).catch((e: unknown) => e);
      expect(isOfsError(err, 'LABEL_TIMESTAMP_INVALID'), `${field}=${bad}`).toBe(true);
    }
    const resolver = createLabelResolver(testPlan(), {
      store: createMemoryLabelStore(),
      policy: testPolicy(),
      artifacts: memoryArtifacts(),
    });
    expect(await codeOf(resolver.resolveBatch([subject('e1', '2026-02-10T10:00:00')]))).toBe('LABEL_TIMESTAMP_INVALID');
  });
});

describe('label as-of resolution: maturity', () => {
  async function matureFlags(maturity_days: number | undefined, stamps: string[]) {
    const basis = maturity_days === undefined ? {} : { maturity_days };
    const resolver = createLabelResolver(testPlan(basis, 'NON_TRAINING'), {
      store: createMemoryLabelStore(),
      policy: testPolicy(),
      artifacts: memoryArtifacts(),
    });
    const rows = await resolver.resolveBatch(stamps.map((ts, i) => subject(`e${i}`, ts)));
    return { flags: rows.map((r) => r.mature), receipt: await resolver.finish() };
  }

  it('is mature exactly at label_asof − maturity_days and immature one nanosecond later', async () => {
    const { flags, receipt } = await matureFlags(1, [
      '2026-02-09T12:00:00Z',
      '2026-02-09T13:00:00+01:00',
      '2026-02-09T12:00:00.000000001Z',
      '2026-02-09T11:59:59.999999999Z',
      '2026-02-10T12:00:00Z',
    ]);
    expect(flags).toEqual([true, true, false, true, false]);
    expect(receipt.maturity_cutoff_utc).toBe('2026-02-09T12:00:00Z');
    expect(receipt.counts).toMatchObject({ subjects: 5, mature: 3, immature: 2 });
  });

  it('with maturity_days 0 only events after the cutoff are immature; without it every event is mature', async () => {
    expect((await matureFlags(0, ['2026-02-10T12:00:00Z', '2026-02-10T12:00:00.5Z'])).flags).toEqual([true, false]);
    const none = await matureFlags(undefined, ['2030-01-01T00:00:00Z']);
    expect(none.flags).toEqual([true]);
    expect(none.receipt.maturity_cutoff_utc).toBeNull();
    expect(none.receipt.maturity_days).toBeNull();
  });
});

describe('label resolver: batches, receipt and gates', () => {
  const TYPES = ['fraud_disposition', 'chargeback_status'];
  const seed = [
    assertion('e1', 'a1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'),
    assertion('e1', 'a2', 'CHARGEBACK', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z', 'chargeback_status'),
    assertion('e2', 'b1', 'LEGIT', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'),
    assertion('e3', 'c1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'),
    assertion('e3', 'c2', 'LEGIT', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'),
    assertion('e4', 'd1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T13:00:00Z'), // after the cutoff
    assertion('e5', 'f1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'), // immature subject
  ];
  const subjects = [subject('e1'), subject('e2'), subject('e3'), subject('e4'), subject('e5', '2026-02-10T11:00:00Z')];

  it('returns one entry per policy label type, in input order, with one store call per batch', async () => {
    const store = await storeWith(seed);
    let calls = 0;
    const counting: LabelStore = {
      ...store,
      timelines(keys, types, o) {
        calls++;
        return store.timelines(keys, types, o);
      },
    };
    const resolver = createLabelResolver(testPlan({ maturity_days: 1 }, 'NON_TRAINING'), {
      store: counting,
      policy: testPolicy({ label_types: TYPES }),
      artifacts: memoryArtifacts(),
    });
    const rows = await resolver.resolveBatch([subjects[2]!, subjects[0]!, subjects[2]!]);
    expect(calls).toBe(1);
    expect(rows.map((r) => r.event_id)).toEqual(['e3', 'e1', 'e3']);
    expect(rows[1]).toEqual({
      event_id: 'e1',
      mature: true,
      labels: {
        fraud_disposition: { status: 'LABELLED', value: 'FRAUD', assertion_id: 'a1', delay_ms: HOUR },
        chargeback_status: { status: 'LABELLED', value: 'CHARGEBACK', assertion_id: 'a2', delay_ms: HOUR },
      },
    });
    expect(Object.keys(rows[0]!.labels)).toEqual(TYPES);
    expect(rows[0]!.labels.fraud_disposition!.status).toBe('CONFLICT');
    expect(rows[0]!.labels.chargeback_status!.status).toBe('UNLABELLED');

    const split = createLabelResolver(
      testPlan({}, 'NON_TRAINING'),
      { store: counting, policy: testPolicy(), artifacts: memoryArtifacts() },
      { storeBatchSize: 2 },
    );
    calls = 0;
    await split.resolveBatch(subjects);
    expect(calls).toBe(3);
  });

  it('writes a deterministic receipt with coverage over eligible subjects, per type and value', async () => {
    const artifacts = memoryArtifacts();
    const plan = testPlan({ maturity_days: 1, posture: 'KNOW_NOW' }, 'NON_TRAINING');
    const policy = testPolicy({ label_types: TYPES, min_label_coverage: 0.5, max_conflict_ratio: 0.1 });
    const resolver = createLabelResolver(plan, { store: await storeWith(seed), policy, artifacts });
    await resolver.resolveBatch(subjects.slice(0, 2));
    await resolver.resolveBatch(subjects.slice(2));
    const receipt = await resolver.finish();
    expect(checkReceipt.Check(receipt)).toBe(true);
    expect(receipt).toMatchObject({
      plan_id: plan.plan_id,
      platform_run_id: RUN,
      label_asof_utc: '2026-02-10T12:00:00Z',
      posture: 'KNOW_NOW',
      label_types: TYPES,
      status: 'NOT_READY_FOR_TRAINING',
      reasons: ['CONFLICT_RATIO_ABOVE_MAX:fraud_disposition', 'COVERAGE_BELOW_MIN:chargeback_status'],
      coverage: 0.25,
      conflict_ratio: 0.25,
      coverage_by_type: { fraud_disposition: 0.5, chargeback_status: 0.25 },
      conflict_ratio_by_type: { fraud_disposition: 0.25, chargeback_status: 0 },
      counts: {
        subjects: 5,
        mature: 4,
        immature: 1,
        conflicts: 1,
        by_type: {
          fraud_disposition: {
            labelled: 2,
            conflict: 1,
            unlabelled: 1,
            values: [
              { value: 'FRAUD', count: 1 },
              { value: 'LEGIT', count: 1 },
            ],
          },
          chargeback_status: { labelled: 1, conflict: 0, unlabelled: 3, values: [{ value: 'CHARGEBACK', count: 1 }] },
        },
      },
    });
    const key = labelReceiptKey(plan);
    expect(key).toBe(`${RUN}/ofs/labels/${plan.plan_id}.json`);
    expect(JSON.parse(new TextDecoder().decode(artifacts.objects.get(key)))).toEqual(receipt);

    // The same inputs in one batch converge on the same bytes (write-once 'identical').
    const again = createLabelResolver(plan, { store: await storeWith([...seed].reverse()), policy, artifacts });
    await again.resolveBatch(subjects);
    expect(await again.finish()).toEqual(receipt);
    // Different subjects under the same plan never overwrite the receipt.
    const other = createLabelResolver(plan, { store: await storeWith(seed), policy, artifacts });
    await other.resolveBatch(subjects.slice(1));
    expect(await codeOf(other.finish())).toBe('ARTIFACT_IMMUTABILITY_VIOLATION');
  });

  it('fails a training build below the policy after writing the receipt; passes one that meets it', async () => {
    const artifacts = memoryArtifacts();
    const plan = testPlan({}, 'TRAINING');
    const strict = createLabelResolver(plan, {
      store: await storeWith(seed),
      policy: testPolicy({ label_types: TYPES, min_label_coverage: 0.9, max_conflict_ratio: 0 }),
      artifacts,
    });
    await strict.resolveBatch(subjects);
    const err = await strict.finish().catch((e: unknown) => e);
    expect(isOfsError(err, 'COVERAGE_POLICY_VIOLATION')).toBe(true);
    expect((err as { details: { reasons: string[] } }).details.reasons).toContain('COVERAGE_BELOW_MIN:fraud_disposition');
    expect(artifacts.objects.has(labelReceiptKey(plan))).toBe(true);

    const lenient = createLabelResolver(testPlan({}, 'TRAINING', 'plan_ffffffffffffffffffffffffffffffff'), {
      store: await storeWith(seed),
      policy: testPolicy({ label_types: ['fraud_disposition'], min_label_coverage: 0.6, max_conflict_ratio: 0.2 }),
      artifacts,
    });
    await lenient.resolveBatch(subjects);
    expect((await lenient.finish()).status).toBe('READY_FOR_TRAINING');
  });

  it('treats a build with no eligible subjects as uncovered', async () => {
    const resolver = createLabelResolver(testPlan({}, 'TRAINING'), {
      store: createMemoryLabelStore(),
      policy: testPolicy({ min_label_coverage: 0.01 }),
      artifacts: memoryArtifacts(),
    });
    expect(await codeOf(resolver.finish())).toBe('COVERAGE_POLICY_VIOLATION');
  });

  it('converges on a retry after later labels arrive, and fails closed after a back-dated one', async () => {
    const artifacts = memoryArtifacts();
    const store = await storeWith(seed);
    const run = async () => {
      const r = createLabelResolver(testPlan({}, 'NON_TRAINING'), { store, policy: testPolicy({ label_types: TYPES }), artifacts });
      await r.resolveBatch(subjects);
      return r.finish();
    };
    const first = await run();
    await store.append([assertion('e2', 'late', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-11T00:00:00Z')]);
    expect(await run()).toEqual(first);
    await store.append([assertion('e9', 'backdated', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T11:00:00Z')]);
    expect(await codeOf(run())).toBe('ARTIFACT_IMMUTABILITY_VIOLATION');
  });

  it('maps store failures to retryable LABEL_STORE_UNAVAILABLE and counts a retried batch once', async () => {
    const store = await storeWith(seed);
    let fail = true;
    const flaky: LabelStore = {
      ...store,
      async *timelines(keys, types, o) {
        if (fail) {
          fail = false;
          throw new Error('connection reset');
        }
        yield* store.timelines(keys, types, o);
      },
    };
    const resolver = createLabelResolver(testPlan({}, 'NON_TRAINING'), {
      store: flaky,
      policy: testPolicy(),
      artifacts: memoryArtifacts(),
    });
    const err = await resolver.resolveBatch(subjects).catch((e: unknown) => e);
    expect(isOfsError(err, 'LABEL_STORE_UNAVAILABLE') && err.retryable).toBe(true);
    await resolver.resolveBatch(subjects);
    expect((await resolver.finish()).counts.subjects).toBe(5);
    expect(await codeOf(resolver.resolveBatch(subjects))).toBe('INTERNAL_ERROR');
  });

  it('honours an aborted signal', async () => {
    const resolver = createLabelResolver(testPlan(), { store: await storeWith(seed), policy: testPolicy(), artifacts: memoryArtifacts() });
    expect(await codeOf(resolver.resolveBatch(subjects, { signal: AbortSignal.abort() }))).toBe('ABORTED');
  });

  it('refuses an invalid cutoff or policy at construction', () => {
    const deps = { store: createMemoryLabelStore(), policy: testPolicy(), artifacts: memoryArtifacts() };
    expect(() => createLabelResolver(testPlan({ label_asof_instant: '2026-02-10T12:00:00' }), deps)).toThrow(
      expect.objectContaining({ code: 'LABEL_ASOF_INVALID' }),
    );
    expect(() => createLabelResolver(testPlan(), { ...deps, policy: testPolicy({ label_types: [] }) })).toThrow(
      expect.objectContaining({ code: 'POLICY_INVALID' }),
    );
  });
});

describe('label delay of the winning assertion', () => {
  const delayed = [
    // Whole hours, sub-millisecond, zero and negative delays; a conflict and an unlabelled subject carry none.
    assertion('e1', 'a1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T10:00:00+01:00'),
    assertion('e2', 'b1', 'LEGIT', '2026-02-10T08:00:00.000000250Z', '2026-02-10T08:00:01.000000500Z'),
    assertion('e3', 'c1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T08:00:00.000Z'),
    assertion('e4', 'd1', 'FRAUD', '2026-02-12T00:00:00Z', '2026-02-10T09:00:00Z'),
    assertion('e5', 'x1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'),
    assertion('e5', 'x2', 'LEGIT', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z'),
  ];
  const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];

  for (const viaPort of [false, true]) {
    it(`is reported on LABELLED labels and leaves the resolved digest unchanged (${viaPort ? 'port' : 'fast path'})`, async () => {
      const memory = await storeWith(delayed);
      const store = viaPort ? portOnly(memory) : memory;
      const plan = testPlan({ label_asof_utc: '2026-02-11T00:00:00Z', label_asof_instant: '2026-02-11T00:00:00Z' }, 'NON_TRAINING');
      const resolver = createLabelResolver(plan, { store, policy: testPolicy(), artifacts: memoryArtifacts() });
      const rows = await resolver.resolveBatch(ids.map((id) => subject(id)));
      const delays = rows.map((r) => r.labels.fraud_disposition!.delay_ms);
      expect(delays).toEqual([HOUR, 1000.00025, 0, -39 * HOUR, undefined, undefined]);
      expect(delays[3]).toBe(naiveDelay(delayed[3]!));
      const receipt = await resolver.finish();
      // The recipe covers status, value and assertion id only: the lines without the delay.
      const lines = rows.map((r) => {
        const { status, value, assertion_id } = r.labels.fraud_disposition!;
        return resolvedDigestLine(r.event_id, r.mature, [{ status, value, assertion_id }]);
      });
      expect(receipt.resolved_digest).toBe(sha256Hex(utf8(lines.join(''))));
      // Pinned before the delay existed (the same store, cutoff and subjects).
      expect(receipt.resolved_digest).toBe(PINNED_DIGEST);
      expect(labelDigestFragment(rows[0]!.labels.fraud_disposition!)).toBe(',"LABELLED","FRAUD","a1"');
    });
  }
});
