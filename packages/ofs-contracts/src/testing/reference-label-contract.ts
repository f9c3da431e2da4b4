import { describe, expect, it } from 'vitest';
import { isOfsError } from '../errors.js';
import type { AppendableLabelStore } from '../ports/label-store.js';
import type { LabelAssertion, ReferenceLabelAssertion } from '../records/labels.js';

const RUN = 'platform_20260210T120000Z';
const PINS = {
  platform_run_id: RUN,
  scenario_run_id: '74bd83db1ad3d1fa136e579115d55429',
  manifest_fingerprint: '2'.repeat(64),
  parameter_hash: '3'.repeat(64),
  scenario_id: 'baseline.v0',
  seed: 42,
};

/**
 * A reference Label Store assertion (ref-spec-3 §1.1) from the reference's own vectors: its
 * `label_assertion_id` is `67c6425343803ab5adad0a37d83566f2` and its payload hash is
 * `REFERENCE_SAMPLE_PAYLOAD_HASH`. `overrides` replace fields.
 */
export function sampleReferenceLabelAssertion(overrides: Partial<ReferenceLabelAssertion> = {}): ReferenceLabelAssertion {
  return {
    case_timeline_event_id: 'a'.repeat(32),
    label_subject_key: { platform_run_id: RUN, event_id: 'evt_001' },
    pins: PINS,
    label_type: 'fraud_disposition',
    label_value: 'FRAUD_CONFIRMED',
    effective_time: '2026-02-10T09:00:00Z',
    observed_time: '2026-02-10T10:00:00Z',
    source_type: 'HUMAN',
    actor_id: 'HUMAN::investigator_001',
    evidence_refs: [{ ref_type: 'CASE_EVENT', ref_id: `case_evt_${'a'.repeat(32)}` }],
    ...overrides,
  };
}

/** The reference's `label_assertion_id` of `sampleReferenceLabelAssertion()` (reference vectors). */
export const REFERENCE_SAMPLE_ASSERTION_ID = '67c6425343803ab5adad0a37d83566f2';
/** `ls.label_assertion_payload_hash.v1` of `sampleReferenceLabelAssertion()` (computed with Python's json.dumps). */
export const REFERENCE_SAMPLE_PAYLOAD_HASH = '91720c7a640c3ed6124f8bd79a5de5231916c34d97861fdf1605438349c60bde';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isOfsError(error) ? error.code : `not an OfsError: ${String(error)}`;
  }
  return 'no error';
}

async function all(store: AppendableLabelStore, event_id = 'evt_001'): Promise<LabelAssertion[]> {
  const out: LabelAssertion[] = [];
  for await (const a of store.timelines([{ platform_run_id: RUN, event_id }], ['fraud_disposition', 'chargeback_status'])) out.push(a);
  return out.sort((a, b) => (a.assertion_id < b.assertion_id ? -1 : 1));
}

/**
 * The reference-assertion part of the label store contract: reference Label Store assertions are
 * appended as they are, get the reference's `label_assertion_id` (derived when absent, checked when
 * present, like `payload_hash`), and come back with their provenance (source type, actor, evidence
 * refs, case event, pins, payload hash, label payload). `make` returns a fresh, empty store.
 */
export function describeReferenceLabelContract(name: string, make: () => Promise<AppendableLabelStore>): void {
  describe(`LabelStore reference assertions: ${name}`, () => {
    it('appends a reference assertion as it is, under the reference id, keeping its provenance', async () => {
      const store = await make();
      await store.append([sampleReferenceLabelAssertion({ label_payload: { note: 'chargeback filed', amount: 12.5 } })]);
      expect(await all(store)).toEqual([
        {
          platform_run_id: RUN,
          event_id: 'evt_001',
          label_type: 'fraud_disposition',
          value: 'FRAUD_CONFIRMED',
          effective_time: '2026-02-10T09:00:00Z',
          observed_time: '2026-02-10T10:00:00Z',
          assertion_id: REFERENCE_SAMPLE_ASSERTION_ID,
          provenance: {
            source_type: 'HUMAN',
            actor_id: 'HUMAN::investigator_001',
            evidence_refs: [{ ref_type: 'CASE_EVENT', ref_id: `case_evt_${'a'.repeat(32)}` }],
            case_timeline_event_id: 'a'.repeat(32),
            pins: PINS,
            payload_hash: REFERENCE_SAMPLE_PAYLOAD_HASH,
            label_payload: { note: 'chargeback filed', amount: 12.5 },
          },
        },
      ]);
    });

    it('accepts a supplied label_assertion_id and payload_hash that match, and is idempotent on replay', async () => {
      const store = await make();
      const full = sampleReferenceLabelAssertion({
        label_assertion_id: REFERENCE_SAMPLE_ASSERTION_ID,
        payload_hash: REFERENCE_SAMPLE_PAYLOAD_HASH,
      });
      await store.append([full]);
      const marker = await store.stateMarker();
      await store.append([sampleReferenceLabelAssertion()]);
      expect(await store.stateMarker()).toBe(marker);
      expect((await all(store)).map((a) => a.assertion_id)).toEqual([REFERENCE_SAMPLE_ASSERTION_ID]);
    });

    it('sorts evidence refs as the reference does and keeps a ref scope', async () => {
      const store = await make();
      await store.append([
        sampleReferenceLabelAssertion({
          source_type: 'AUTO',
          actor_id: undefined,
          evidence_refs: [
            { ref_type: 'DECISION', ref_id: 'd-1', ref_scope: 'df' },
            { ref_type: 'CASE_EVENT', ref_id: 'c-1' },
          ],
        }),
      ]);
      const [a] = await all(store);
      expect(a?.provenance?.evidence_refs).toEqual([
        { ref_type: 'CASE_EVENT', ref_id: 'c-1' },
        { ref_type: 'DECISION', ref_id: 'd-1', ref_scope: 'df' },
      ]);
      expect(a?.provenance?.actor_id).toBeUndefined();
    });

    it('refuses a supplied id or payload hash that its recipe does not derive, appending nothing', async () => {
      const store = await make();
      const good = sampleReferenceLabelAssertion({ label_subject_key: { platform_run_id: RUN, event_id: 'evt_002' }, pins: PINS });
      expect(await codeOf(store.append([good, sampleReferenceLabelAssertion({ label_assertion_id: 'f'.repeat(32) })]))).toBe(
        'LABEL_ASSERTION_ID_MISMATCH',
      );
      expect(await codeOf(store.append([good, sampleReferenceLabelAssertion({ payload_hash: 'f'.repeat(64) })]))).toBe(
        'LABEL_ASSERTION_ID_MISMATCH',
      );
      expect(await all(store, 'evt_002')).toEqual([]);
    });

    it('refuses reference assertions the reference writer refuses', async () => {
      const store = await make();
      const cases: Partial<ReferenceLabelAssertion>[] = [
        { actor_id: undefined },
        { evidence_refs: [] },
        { evidence_refs: [{ ref_type: 'RUMOUR', ref_id: 'x' }] },
        { source_type: 'ORACLE' },
        { case_timeline_event_id: 'not-hex' },
        { pins: { ...PINS, platform_run_id: 'platform_20260101T000000Z' } },
      ];
      for (const c of cases) expect(await codeOf(store.append([sampleReferenceLabelAssertion(c)]))).toBe('LABEL_ASSERTION_INVALID');
      expect(await codeOf(store.append([sampleReferenceLabelAssertion({ observed_time: 'yesterday' })]))).toBe('LABEL_TIMESTAMP_INVALID');
      expect(await all(store)).toEqual([]);
    });

    it('refuses a replay of the same id with another payload (a different payload hash) as a conflict', async () => {
      const store = await make();
      await store.append([sampleReferenceLabelAssertion()]);
      expect(await codeOf(store.append([sampleReferenceLabelAssertion({ label_value: 'LEGIT_CONFIRMED' })]))).toBe(
        'LABEL_ASSERTION_CONFLICT',
      );
      expect(await codeOf(store.append([sampleReferenceLabelAssertion({ actor_id: 'HUMAN::someone_else' })]))).toBe(
        'LABEL_ASSERTION_CONFLICT',
      );
    });
  });
}
