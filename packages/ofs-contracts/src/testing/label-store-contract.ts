import { describe, expect, it } from 'vitest';
import { isOfsError } from '../errors.js';
import type { AppendableLabelStore, LabelStore } from '../ports/label-store.js';
import type { LabelAssertion, LabelSubjectKey } from '../records/labels.js';
import { describeReferenceLabelContract } from './reference-label-contract.js';

const RUN = 'platform_20260210T120000Z';
const OTHER_RUN = 'platform_20260211T120000Z';

/** A valid label assertion for contract tests; `overrides` replace fields. */
export function sampleLabelAssertion(overrides: Partial<LabelAssertion> = {}): LabelAssertion {
  return {
    platform_run_id: RUN,
    event_id: 'evt_001',
    label_type: 'fraud_disposition',
    value: 'FRAUD_CONFIRMED',
    effective_time: '2026-02-10T09:00:00Z',
    observed_time: '2026-02-10T10:00:00Z',
    assertion_id: 'a_001',
    ...overrides,
  };
}

async function collect(store: LabelStore, subjects: readonly LabelSubjectKey[], types: readonly string[]): Promise<LabelAssertion[]> {
  const out: LabelAssertion[] = [];
  for await (const a of store.timelines(subjects, types)) out.push(a);
  return out.sort((a, b) => (a.assertion_id < b.assertion_id ? -1 : a.assertion_id > b.assertion_id ? 1 : 0));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isOfsError(error) ? error.code : `not an OfsError: ${String(error)}`;
  }
  return 'no error';
}

const key = (event_id: string, platform_run_id = RUN): LabelSubjectKey => ({ platform_run_id, event_id });

/**
 * Makes a fresh store that holds exactly `seed` (and nothing else), for the read contract. A
 * read-only adapter loads the seed through its own means (fixture files, SQL inserts, an import
 * API); an appendable one can simply `append` it.
 */
export type SeededLabelStoreFactory = (seed: readonly LabelAssertion[]) => Promise<LabelStore>;

/**
 * The read part of the `LabelStore` contract: `timelines` and `stateMarker` only, so a read-only
 * production store passes it without `append` (D82). `make(seed)` must return a fresh store that
 * holds exactly `seed`.
 */
export function describeLabelStoreReadContract(name: string, make: SeededLabelStoreFactory): void {
  describe(`LabelStore read contract: ${name}`, () => {
    it('returns exactly the assertions of the requested subjects and label types', async () => {
      const wanted = [
        sampleLabelAssertion({ assertion_id: 'a1' }),
        sampleLabelAssertion({ assertion_id: 'a2', value: 'LEGIT_CONFIRMED', observed_time: '2026-02-10T11:00:00Z' }),
        sampleLabelAssertion({ assertion_id: 'a3', event_id: 'evt_002', label_type: 'chargeback_status', value: 'CHARGEBACK' }),
      ];
      const unwanted = [
        sampleLabelAssertion({ assertion_id: 'b1', platform_run_id: OTHER_RUN }),
        sampleLabelAssertion({ assertion_id: 'b2', event_id: 'evt_003' }),
        sampleLabelAssertion({ assertion_id: 'b3', label_type: 'account_takeover', value: 'ATO_CONFIRMED' }),
      ];
      const store = await make([...unwanted, ...wanted]);
      const got = await collect(store, [key('evt_001'), key('evt_002'), key('evt_404')], ['fraud_disposition', 'chargeback_status']);
      expect(got).toEqual(wanted);
    });

    it('returns each assertion once even when a subject is requested twice', async () => {
      const store = await make([sampleLabelAssertion({ assertion_id: 'a1' })]);
      const got = await collect(store, [key('evt_001'), key('evt_001')], ['fraud_disposition', 'fraud_disposition']);
      expect(got.map((a) => a.assertion_id)).toEqual(['a1']);
    });

    it('returns nothing for no subjects or no label types', async () => {
      const store = await make([sampleLabelAssertion()]);
      expect(await collect(store, [], ['fraud_disposition'])).toEqual([]);
      expect(await collect(store, [key('evt_001')], [])).toEqual([]);
    });

    it('serves the same answer to a repeated call', async () => {
      const store = await make([
        sampleLabelAssertion({ assertion_id: 'r1' }),
        sampleLabelAssertion({ assertion_id: 'r2', event_id: 'evt_2' }),
      ]);
      const subjects = [key('evt_001'), key('evt_2')];
      const first = await collect(store, subjects, ['fraud_disposition']);
      expect(first.map((a) => a.assertion_id)).toEqual(['r1', 'r2']);
      expect(await collect(store, subjects, ['fraud_disposition'])).toEqual(first);
    });

    it('keeps values, raw timestamp spellings and committed_at exactly as stored', async () => {
      const assertions = [
        sampleLabelAssertion({ assertion_id: 'v1', value: 'ÉTÉ ✓ "quoted"', effective_time: '2026-02-10T09:00:00+00:00' }),
        sampleLabelAssertion({ assertion_id: 'v2', value: 1.5, observed_time: '2026-02-10T11:00:00.123456789+01:30' }),
        sampleLabelAssertion({ assertion_id: 'v3', value: 0 }),
        sampleLabelAssertion({ assertion_id: 'v4', value: -3 }),
        sampleLabelAssertion({ assertion_id: 'v5', value: true }),
        sampleLabelAssertion({ assertion_id: 'v6', value: false }),
        sampleLabelAssertion({ assertion_id: 'v7', value: null, committed_at: '2026-02-12T00:00:00Z' }),
        sampleLabelAssertion({ assertion_id: 'v8', value: '1' }),
        sampleLabelAssertion({ assertion_id: 'v9', event_id: 'evt/ü:1 é', value: 'x' }),
      ];
      const store = await make(assertions);
      expect(await collect(store, [key('evt_001'), key('evt/ü:1 é')], ['fraud_disposition'])).toEqual(assertions);
    });

    it('serves a large batch in one call', async () => {
      const assertions = Array.from({ length: 3000 }, (_, i) =>
        sampleLabelAssertion({ assertion_id: `big_${String(i).padStart(5, '0')}`, event_id: `evt_${i % 1500}` }),
      );
      const store = await make(assertions);
      const subjects = Array.from({ length: 1500 }, (_, i) => key(`evt_${i}`));
      expect(await collect(store, subjects, ['fraud_disposition'])).toEqual(assertions);
    });

    it('gives equal markers for equal content in any order, and another marker for other content', async () => {
      const items = [sampleLabelAssertion({ assertion_id: 'm1' }), sampleLabelAssertion({ assertion_id: 'm2', event_id: 'evt_2' })];
      const a = await make(items);
      const b = await make([...items].reverse());
      expect(await a.stateMarker()).toBe(await b.stateMarker());
      const more = await make([...items, sampleLabelAssertion({ assertion_id: 'm3' })]);
      expect(await more.stateMarker()).not.toBe(await a.stateMarker());
      const empty = await make([]);
      expect(await empty.stateMarker()).not.toBe(await a.stateMarker());
    });

    it('scopes the marker to one run and a cutoff, comparing instants', async () => {
      const scope = { platform_run_id: RUN, observed_at_or_before: '2026-02-10T12:00:00Z' };
      const s1 = sampleLabelAssertion({ assertion_id: 's1', observed_time: '2026-02-10T12:00:00+00:00' });
      const late = sampleLabelAssertion({ assertion_id: 's2', observed_time: '2026-02-10T12:00:00.000000001Z' });
      const otherRun = sampleLabelAssertion({ assertion_id: 's3', observed_time: '2026-02-10T11:00:00Z', platform_run_id: OTHER_RUN });
      const backDated = sampleLabelAssertion({ assertion_id: 's4', observed_time: '2026-02-10T13:59:59+02:00' });
      const base = await make([s1]);
      const marker = await base.stateMarker(scope);
      expect(await base.stateMarker({ ...scope, observed_at_or_before: '2026-02-10T13:00:00+01:00' })).toBe(marker);
      // A label observed after the cutoff, or in another run, does not change what the build could see.
      expect(await (await make([s1, late, otherRun])).stateMarker(scope)).toBe(marker);
      // A back-dated label does.
      expect(await (await make([s1, late, otherRun, backDated])).stateMarker(scope)).not.toBe(marker);
    });

    it('throws ABORTED for an aborted signal', async () => {
      const store = await make([sampleLabelAssertion()]);
      const signal = AbortSignal.abort();
      expect(await codeOf(store.stateMarker({ signal }))).toBe('ABORTED');
      expect(await codeOf(collect({ ...store, timelines: (s, t) => store.timelines(s, t, { signal }) }, [key('evt_001')], ['x']))).toBe(
        'ABORTED',
      );
    });
  });
}

/**
 * The append part of the `LabelStore` contract, for stores that can be seeded (`LabelAppender`):
 * idempotence, conflicts, validation before writing, and markers that follow appends.
 * `make` must return a fresh, empty store for each test.
 */
export function describeLabelStoreAppendContract(name: string, make: () => Promise<AppendableLabelStore>): void {
  describe(`LabelStore append contract: ${name}`, () => {
    it('serves what was appended, across calls', async () => {
      const store = await make();
      await store.append([sampleLabelAssertion({ assertion_id: 'p1' })]);
      await store.append([sampleLabelAssertion({ assertion_id: 'p2', event_id: 'evt_2' })]);
      expect((await collect(store, [key('evt_001'), key('evt_2')], ['fraud_disposition'])).map((a) => a.assertion_id)).toEqual([
        'p1',
        'p2',
      ]);
    });

    it('appends idempotently by assertion_id', async () => {
      const store = await make();
      await store.append([sampleLabelAssertion()]);
      const marker = await store.stateMarker();
      await store.append([sampleLabelAssertion(), sampleLabelAssertion()]);
      expect(await store.stateMarker()).toBe(marker);
      expect(await collect(store, [key('evt_001')], ['fraud_disposition'])).toHaveLength(1);
    });

    it('refuses an assertion_id appended again with other content, and appends nothing of that call', async () => {
      const store = await make();
      await store.append([sampleLabelAssertion()]);
      const marker = await store.stateMarker();
      const code = await codeOf(
        store.append([sampleLabelAssertion({ assertion_id: 'fresh' }), sampleLabelAssertion({ value: 'LEGIT_CONFIRMED' })]),
      );
      expect(code).toBe('LABEL_ASSERTION_CONFLICT');
      expect(await store.stateMarker()).toBe(marker);
      const inOneCall = await codeOf(
        store.append([sampleLabelAssertion({ assertion_id: 'twice' }), sampleLabelAssertion({ assertion_id: 'twice', value: 'X' })]),
      );
      expect(inOneCall).toBe('LABEL_ASSERTION_CONFLICT');
      expect((await collect(store, [key('evt_001')], ['fraud_disposition'])).map((a) => a.assertion_id)).toEqual(['a_001']);
    });

    it('validates before appending: bad timestamps and bad shapes append nothing', async () => {
      const store = await make();
      const marker = await store.stateMarker();
      for (const observed_time of ['2026-02-10T10:00:00', '2026-02-10', '2026-02-30T10:00:00Z', 'yesterday']) {
        const code = await codeOf(store.append([sampleLabelAssertion({ assertion_id: 'ok' }), sampleLabelAssertion({ observed_time })]));
        expect(code, observed_time).toBe('LABEL_TIMESTAMP_INVALID');
      }
      expect(await codeOf(store.append([sampleLabelAssertion({ effective_time: '10:00' })]))).toBe('LABEL_TIMESTAMP_INVALID');
      expect(await codeOf(store.append([sampleLabelAssertion({ event_id: '' })]))).toBe('LABEL_ASSERTION_INVALID');
      expect(await codeOf(store.append([sampleLabelAssertion({ event_id: 'evt\u0000' })]))).toBe('LABEL_ASSERTION_INVALID');
      const withObject = { ...sampleLabelAssertion(), value: { nested: true } } as unknown as LabelAssertion;
      expect(await codeOf(store.append([withObject]))).toBe('LABEL_ASSERTION_INVALID');
      expect(await store.stateMarker()).toBe(marker);
    });

    it('gives equal markers for equal content and a new marker after an append', async () => {
      const a = await make();
      const b = await make();
      const items = [sampleLabelAssertion({ assertion_id: 'm1' }), sampleLabelAssertion({ assertion_id: 'm2', event_id: 'evt_2' })];
      await a.append(items);
      await b.append([...items].reverse());
      expect(await a.stateMarker()).toBe(await b.stateMarker());
      const before = await a.stateMarker();
      await a.append([sampleLabelAssertion({ assertion_id: 'm3' })]);
      expect(await a.stateMarker()).not.toBe(before);
    });

    it('keeps a scoped marker across late appends and changes it after a back-dated one', async () => {
      const store = await make();
      const scope = { platform_run_id: RUN, observed_at_or_before: '2026-02-10T12:00:00Z' };
      await store.append([sampleLabelAssertion({ assertion_id: 's1', observed_time: '2026-02-10T12:00:00+00:00' })]);
      const marker = await store.stateMarker(scope);
      await store.append([
        sampleLabelAssertion({ assertion_id: 's2', observed_time: '2026-02-10T12:00:00.000000001Z' }),
        sampleLabelAssertion({ assertion_id: 's3', observed_time: '2026-02-10T11:00:00Z', platform_run_id: OTHER_RUN }),
      ]);
      expect(await store.stateMarker(scope)).toBe(marker);
      await store.append([sampleLabelAssertion({ assertion_id: 's4', observed_time: '2026-02-10T13:59:59+02:00' })]);
      expect(await store.stateMarker(scope)).not.toBe(marker);
    });

    it('throws ABORTED for an aborted signal', async () => {
      const store = await make();
      expect(await codeOf(store.append([sampleLabelAssertion()], { signal: AbortSignal.abort() }))).toBe('ABORTED');
    });
  });
}

/**
 * The whole `LabelStore` contract for an appendable store: the read part (seeded through
 * `append`), the append part and the reference-assertion part. Every appendable adapter (memory, PGlite, PostgreSQL server)
 * runs it; a read-only store runs `describeLabelStoreReadContract` instead.
 * `make` must return a fresh, empty store for each test.
 */
export function describeLabelStoreContract(name: string, make: () => Promise<AppendableLabelStore>): void {
  describeLabelStoreReadContract(name, async (seed) => {
    const store = await make();
    if (seed.length > 0) await store.append(seed);
    return store;
  });
  describeLabelStoreAppendContract(name, make);
  describeReferenceLabelContract(name, make);
}
