import { type LabelAssertion, type LabelReceipt, type LabelSubject, parseInstant, type SubjectLabels } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryLabelStore } from './memory-label-store.js';
import { createLabelResolver } from './resolver.js';
import { memoryArtifacts, portOnly, RUN, testPlan, testPolicy } from './test-support.js';

const TYPES = ['fraud_disposition', 'chargeback_status'];
const EVENTS = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'];
const BASE = Date.UTC(2026, 1, 10, 10, 0, 0);

/** Spells `BASE + minute` in one of several RFC 3339 forms of the same instant. */
function spell(minute: number, style: number): string {
  const ms = BASE + minute * 60_000;
  const iso = (shiftMinutes: number) => new Date(ms + shiftMinutes * 60_000).toISOString().slice(0, 19);
  switch (style) {
    case 0:
      return `${iso(0)}Z`;
    case 1:
      return `${iso(0)}+00:00`;
    case 2:
      return `${iso(60)}+01:00`;
    case 3:
      return `${iso(-150)}-02:30`;
    default:
      return `${iso(0)}.000000z`;
  }
}

const stamp = (min: number, max: number) => fc.record({ minute: fc.integer({ min, max }), style: fc.integer({ min: 0, max: 4 }) });
const VALUES = ['FRAUD', 'LEGIT', 1, true, null] as const;

const assertionArb = fc.record({
  event: fc.constantFrom(...EVENTS.slice(0, 5)),
  type: fc.constantFrom(...TYPES),
  value: fc.constantFrom(...VALUES),
  eff: stamp(0, 12),
  obs: stamp(0, 12),
  rank: fc.integer({ min: 0, max: 999 }),
});

type RawAssertion = typeof assertionArb extends fc.Arbitrary<infer T> ? T : never;

function toAssertions(raws: readonly RawAssertion[], prefix: string): LabelAssertion[] {
  return raws.map((r, i) => ({
    platform_run_id: RUN,
    event_id: r.event,
    label_type: r.type,
    value: r.value,
    effective_time: spell(r.eff.minute, r.eff.style),
    observed_time: spell(r.obs.minute, r.obs.style),
    assertion_id: `${String(r.rank).padStart(3, '0')}_${prefix}${i}`,
  }));
}

const scenarioArb = fc.record({
  assertions: fc.array(assertionArb, { maxLength: 40 }),
  cutoff: stamp(0, 12),
  maturityDays: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
  subjectMinutes: fc.array(fc.integer({ min: -2000, max: 12 }), { minLength: EVENTS.length, maxLength: EVENTS.length }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const ms = (text: string) => {
  const i = parseInstant(text)!;
  return i.epochMs;
};

/** A deliberately naive model of DESIGN §8 to compare the resolver against. */
function oracle(assertions: readonly LabelAssertion[], cutoff: string, event: string, type: string) {
  const eligible = assertions.filter((a) => a.event_id === event && a.label_type === type && ms(a.observed_time) <= ms(cutoff));
  if (eligible.length === 0) return { status: 'UNLABELLED', value: null, assertion_id: null };
  const key = (a: LabelAssertion): [number, number] => [ms(a.effective_time), ms(a.observed_time)];
  const top = eligible.reduce<[number, number]>((best, a) => {
    const [e, o] = key(a);
    return e > best[0] || (e === best[0] && o > best[1]) ? [e, o] : best;
  }, key(eligible[0]!));
  const tied = eligible.filter((a) => key(a)[0] === top[0] && key(a)[1] === top[1]);
  if (new Set(tied.map((a) => a.value)).size > 1) return { status: 'CONFLICT', value: null, assertion_id: null };
  const winner = tied.reduce((w, a) => (a.assertion_id > w.assertion_id ? a : w));
  return { status: 'LABELLED', value: winner.value, assertion_id: winner.assertion_id, delay_ms: top[1] - top[0] };
}

function subjectsOf(s: Scenario): LabelSubject[] {
  return EVENTS.map((event_id, i) => ({ event_id, ts_utc: spell(s.subjectMinutes[i]!, i % 5) }));
}

/** How the resolver reads the memory store: its fast path, or through the port like any other store. */
type ReadPath = 'fast path' | 'port';

async function run(
  path: ReadPath,
  s: Scenario,
  assertions: readonly LabelAssertion[],
  batches: readonly number[] = [EVENTS.length],
  storeBatchSize?: number,
): Promise<{ rows: SubjectLabels[]; receipt: LabelReceipt }> {
  const memory = createMemoryLabelStore();
  await memory.append(assertions);
  const store = path === 'port' ? portOnly(memory) : memory;
  const cutoff = spell(s.cutoff.minute, s.cutoff.style);
  const basis = {
    label_asof_utc: cutoff,
    label_asof_instant: cutoff,
    ...(s.maturityDays === undefined ? {} : { maturity_days: s.maturityDays }),
  };
  const resolver = createLabelResolver(
    testPlan(basis, 'NON_TRAINING'),
    { store, policy: testPolicy({ label_types: TYPES }), artifacts: memoryArtifacts() },
    storeBatchSize === undefined ? {} : { storeBatchSize },
  );
  const subjects = subjectsOf(s);
  const rows: SubjectLabels[] = [];
  let at = 0;
  for (const size of batches) {
    rows.push(...(await resolver.resolveBatch(subjects.slice(at, at + size))));
    at += size;
  }
  rows.push(...(await resolver.resolveBatch(subjects.slice(at))));
  return { rows, receipt: await resolver.finish() };
}

describe.each<ReadPath>(['fast path', 'port'])('leakage suite (memory store, %s): labels strictly as of the cutoff', (path) => {
  it('never resolves a label observed after label_asof_utc, and matches a naive model of §8', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const assertions = toAssertions(s.assertions, 'a');
        const cutoff = spell(s.cutoff.minute, s.cutoff.style);
        const byId = new Map(assertions.map((a) => [a.assertion_id, a]));
        const { rows } = await run(path, s, assertions);
        for (const row of rows) {
          for (const type of TYPES) {
            const label = row.labels[type]!;
            if (label.assertion_id !== null) {
              expect(ms(byId.get(label.assertion_id)!.observed_time)).toBeLessThanOrEqual(ms(cutoff));
            }
            expect(label).toEqual(oracle(assertions, cutoff, row.event_id, type));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('adding assertions observed after the cutoff never changes any label, count or the receipt', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.array(assertionArb, { minLength: 1, maxLength: 20 }), async (s, extraRaw) => {
        const base = toAssertions(s.assertions, 'a');
        // Move every extra assertion's observation strictly after the cutoff.
        const late = toAssertions(
          extraRaw.map((r) => ({ ...r, obs: { minute: s.cutoff.minute + 1 + (r.obs.minute % 5), style: r.obs.style } })),
          'late',
        );
        const before = await run(path, s, base);
        const after = await run(path, s, [...late, ...base]);
        expect(after.rows).toEqual(before.rows);
        expect(after.receipt).toEqual(before.receipt);
      }),
      { numRuns: 200 },
    );
  });

  it('batch sizes, store batch sizes and append order never change results', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        async (s, batches, storeBatchSize) => {
          const assertions = toAssertions(s.assertions, 'a');
          const whole = await run(path, s, assertions);
          const split = await run(path, s, [...assertions].reverse(), batches, storeBatchSize);
          expect(split.rows).toEqual(whole.rows);
          expect(split.receipt).toEqual(whole.receipt);
        },
      ),
      { numRuns: 200 },
    );
  });
});
