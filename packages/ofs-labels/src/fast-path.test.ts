import { isOfsError, type LabelAssertion, type LabelStore, type LabelSubject, type ObjectStore } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryLabelStore } from './memory-label-store.js';
import { createLabelResolver } from './resolver.js';
import { memoryLabelIndexOf } from './stored-label.js';
import { assertion, memoryArtifacts, portOnly, RUN, testPlan, testPolicy } from './test-support.js';

// The resolver reads a memory store through a fast path (pre-parsed assertions, one pass, byte
// buffer digest); these tests hold it to the general path through the `LabelStore` port.

const TYPES = ['fraud_disposition', 'chargeback_status'];
const EVENTS = ['e0', 'e1', 'é2', 'e"3', 'e\\4', 'e 5', '😀6'];
const BASE = Date.UTC(2026, 1, 10, 10, 0, 0);
const spell = (minute: number, style: number) => {
  const ms = BASE + minute * 60_000;
  const iso = (shift: number) => new Date(ms + shift * 60_000).toISOString().slice(0, 19);
  return [`${iso(0)}Z`, `${iso(60)}+01:00`, `${iso(0)}.000000001Z`, `${iso(0)}.5z`][style]!;
};
// Few minutes and mostly equal spellings, so top ties (agreeing and conflicting) are common.
const stamp = fc.record({ minute: fc.integer({ min: 0, max: 2 }), style: fc.constantFrom(0, 0, 0, 1, 1, 1, 2, 3) });
const raw = fc.record({
  event: fc.constantFrom(...EVENTS.slice(0, 4)),
  run: fc.constantFrom(RUN, RUN, RUN, 'platform_other'),
  type: fc.constantFrom(...TYPES, ...TYPES, 'account_takeover'),
  value: fc.oneof(
    { arbitrary: fc.constantFrom('FRAUD', 'LEGIT'), weight: 4 },
    { arbitrary: fc.constantFrom('ü "q"', 1, 2.5, -0, true, false, null), weight: 2 },
    { arbitrary: fc.string({ maxLength: 4 }), weight: 1 },
  ),
  eff: stamp,
  obs: stamp,
  rank: fc.integer({ min: 0, max: 99 }),
});
type Raw = typeof raw extends fc.Arbitrary<infer T> ? T : never;
const toAssertion = (r: Raw, i: number, prefix: string): LabelAssertion => ({
  platform_run_id: r.run,
  event_id: r.event,
  label_type: r.type,
  value: r.value,
  effective_time: spell(r.eff.minute, r.eff.style),
  observed_time: spell(r.obs.minute, r.obs.style),
  assertion_id: `${String(r.rank).padStart(2, '0')}_${prefix}${i}`,
});

const scenario = fc.record({
  first: fc.array(raw, { minLength: 5, maxLength: 40 }),
  /** Appended after the first batch: later batches must see them, on both paths. */
  later: fc.array(raw, { maxLength: 10 }),
  cutoff: stamp,
  maturityDays: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
  /** Subjects in feed order, repeats allowed, split into batches at `cuts`. */
  subjects: fc.array(fc.record({ event: fc.constantFrom(...EVENTS), minute: fc.integer({ min: -2000, max: 2 }) }), {
    minLength: 1,
    maxLength: 20,
  }),
  cuts: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 3 }),
  labelTypes: fc.constantFrom(TYPES, [TYPES[1]!], [TYPES[1]!, 'account_takeover', TYPES[0]!]),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function resolveAll(s: Scenario, viaPort: boolean) {
  const memory = createMemoryLabelStore();
  await memory.append(s.first.map((r, i) => toAssertion(r, i, 'f')));
  const store = viaPort ? portOnly(memory) : memory;
  const cutoff = spell(s.cutoff.minute, s.cutoff.style);
  const basis = {
    label_asof_utc: cutoff,
    label_asof_instant: cutoff,
    ...(s.maturityDays === undefined ? {} : { maturity_days: s.maturityDays }),
  };
  const resolver = createLabelResolver(testPlan(basis, 'NON_TRAINING'), {
    store,
    policy: testPolicy({ label_types: s.labelTypes }),
    artifacts: memoryArtifacts(),
  });
  const subjects: LabelSubject[] = s.subjects.map((x) => ({ event_id: x.event, ts_utc: spell(x.minute, 0) }));
  const cuts = [...new Set(s.cuts.map((c) => Math.min(c, subjects.length)))].sort((a, b) => a - b);
  const rows = [];
  let at = 0;
  for (const [k, cut] of [...cuts, subjects.length].entries()) {
    rows.push(...(await resolver.resolveBatch(subjects.slice(at, cut))));
    at = cut;
    if (k === 0) await memory.append(s.later.map((r, i) => toAssertion(r, i, 'l')));
  }
  return { rows, receipt: await resolver.finish() };
}

describe('memory store fast path', () => {
  it('gives the same rows and the same receipt bytes as reading the same store through the port', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const fast = await resolveAll(s, false);
        const port = await resolveAll(s, true);
        expect(fast.rows).toEqual(port.rows);
        expect(JSON.stringify(fast.receipt)).toBe(JSON.stringify(port.receipt));
      }),
      { numRuns: 400 },
    );
  });

  it('is taken only for the store object itself: wrapped, spread or patched stores are read through the port', async () => {
    const store = createMemoryLabelStore();
    await store.append([assertion('e1', 'a1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z')]);
    expect(memoryLabelIndexOf(store)).toBeDefined();
    expect(memoryLabelIndexOf(portOnly(store))).toBeUndefined();
    expect(memoryLabelIndexOf({ ...store })).toBeUndefined();

    const calls: number[] = [];
    const original = store.timelines;
    store.timelines = (keys, types, options) => {
      calls.push(keys.length);
      return original(keys, types, options);
    };
    const resolver = createLabelResolver(testPlan({}, 'NON_TRAINING'), { store, policy: testPolicy(), artifacts: memoryArtifacts() });
    const [row] = await resolver.resolveBatch([{ event_id: 'e1', ts_utc: '2026-01-01T00:00:00Z' }]);
    expect(calls).toEqual([1]);
    expect(row!.labels.fraud_disposition).toEqual({ status: 'LABELLED', value: 'FRAUD', assertion_id: 'a1', delay_ms: 3_600_000 });
  });

  it('serves frozen assertions and labels, so pre-parsed instants cannot go stale', async () => {
    const store = createMemoryLabelStore();
    const appended = assertion('e1', 'a1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z');
    await store.append([appended]);
    appended.observed_time = '2026-02-11T00:00:00Z'; // the caller's object; the store kept a copy
    const served: LabelAssertion[] = [];
    for await (const a of store.timelines([{ platform_run_id: RUN, event_id: 'e1' }], ['fraud_disposition'])) served.push(a);
    expect(served[0]!.observed_time).toBe('2026-02-10T09:00:00Z');
    expect(Object.isFrozen(served[0])).toBe(true);
    const resolver = createLabelResolver(testPlan({}, 'NON_TRAINING'), { store, policy: testPolicy(), artifacts: memoryArtifacts() });
    const [row] = await resolver.resolveBatch([{ event_id: 'e1', ts_utc: '2026-01-01T00:00:00Z' }]);
    expect(Object.isFrozen(row!.labels.fraud_disposition)).toBe(true);
    expect(row!.labels.fraud_disposition).toEqual({ status: 'LABELLED', value: 'FRAUD', assertion_id: 'a1', delay_ms: 3_600_000 });
  });

  it('counts nothing from a batch with an invalid subject, on either path', async () => {
    for (const viaPort of [false, true]) {
      const memory = createMemoryLabelStore();
      await memory.append([assertion('e1', 'a1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z')]);
      const store: LabelStore = viaPort ? portOnly(memory) : memory;
      const resolver = createLabelResolver(testPlan({}, 'NON_TRAINING'), { store, policy: testPolicy(), artifacts: memoryArtifacts() });
      const good = { event_id: 'e1', ts_utc: '2026-01-01T00:00:00Z' };
      const err = await resolver.resolveBatch([good, { event_id: 'e2', ts_utc: '2026-01-01' }]).catch((e: unknown) => e);
      expect(isOfsError(err, 'LABEL_TIMESTAMP_INVALID')).toBe(true);
      await resolver.resolveBatch([good]);
      const receipt = await resolver.finish();
      expect(receipt.counts.subjects).toBe(1);
      expect(receipt.counts.by_type.fraud_disposition!.labelled).toBe(1);
    }
  });
});

describe('finish', () => {
  it('can be retried after the artifact store failed, and writes the same receipt', async () => {
    const inner = memoryArtifacts();
    let failures = 1;
    const artifacts: ObjectStore = {
      ...inner,
      async putIfAbsent(key, bytes, options) {
        if (failures-- > 0) throw new Error('disk full');
        return inner.putIfAbsent(key, bytes, options);
      },
    };
    const store = createMemoryLabelStore();
    await store.append([assertion('e1', 'a1', 'FRAUD', '2026-02-10T08:00:00Z', '2026-02-10T09:00:00Z')]);
    const resolver = createLabelResolver(testPlan({}, 'NON_TRAINING'), { store, policy: testPolicy(), artifacts });
    await resolver.resolveBatch([{ event_id: 'e1', ts_utc: '2026-01-01T00:00:00Z' }]);
    await expect(resolver.finish()).rejects.toBeDefined();
    const receipt = await resolver.finish();
    const again = createLabelResolver(testPlan({}, 'NON_TRAINING'), { store, policy: testPolicy(), artifacts: memoryArtifacts() });
    await again.resolveBatch([{ event_id: 'e1', ts_utc: '2026-01-01T00:00:00Z' }]);
    expect(receipt).toEqual(await again.finish());
    expect(inner.objects.size).toBe(1);
  });
});
