import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOfsError, type OfsError } from './errors.js';
import { parseBuildIntent, validateBuildIntent } from './parse-intent.js';

const valid = {
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.req.contract.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  scenario_run_ids: ['run_a'],
  replay_basis: [
    { topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200' },
    { topic: 'fp.bus.context.arrival_events.v1', partition: 1, offset_kind: 'kafka_offset', start_offset: '10', end_offset: '90' },
  ],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc', maturity_days: 30 },
  feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
  join_scope: { subject_key: 'platform_run_id,event_id' },
  filters: { country: ['US'] },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'ofs-policy-v0',
  config_revision: 'local-parity-v0',
  ofs_code_release_id: 'git:abc123',
};

function failure(input: unknown): OfsError {
  try {
    parseBuildIntent(input);
  } catch (error) {
    if (isOfsError(error)) return error;
    throw new Error(`not an OfsError: ${String(error)}`);
  }
  throw new Error('parsed');
}

function codes(input: unknown): string[] {
  const problems = failure(input).details.problems as { code: string }[];
  return problems.map((p) => p.code);
}

describe('parseBuildIntent', () => {
  it('parses a valid intent, trims strings and fills defaults', () => {
    const intent = parseBuildIntent({
      ...valid,
      request_id: '  ofs.req.contract.0001\n',
      scenario_run_ids: undefined,
      join_scope: undefined,
    });
    expect(intent.request_id).toBe('ofs.req.contract.0001');
    expect(intent.scenario_run_ids).toEqual([]);
    expect(intent.join_scope).toEqual({});
    expect(intent.non_training_allowed).toBe(false);
    expect(Object.isFrozen(intent.replay_basis[0])).toBe(true);
  });

  it('keeps the codes the reference tests pin', () => {
    expect(failure({ ...valid, intent_kind: 'always_on_stream' }).code).toBe('INTENT_KIND_UNSUPPORTED');
    expect(failure({ ...valid, label_basis: { ...valid.label_basis, label_asof_utc: ' ' } }).code).toBe('LABEL_ASOF_MISSING');
    expect(failure({ ...valid, feature_definition_set: { feature_set_id: 'core', feature_set_version: ' ' } }).code).toBe(
      'FEATURE_PROFILE_UNRESOLVED',
    );
    expect(failure({ ...valid, run_facts_ref: ' ' }).code).toBe('RUN_FACTS_UNAVAILABLE');
  });

  it('maps each field to its code, missing or malformed alike', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ request_id: 'abc' }, 'REQUEST_ID_INVALID'],
      [{ request_id: 'has space 123' }, 'REQUEST_ID_INVALID'],
      [{ request_id: 12345678 }, 'REQUEST_ID_INVALID'],
      [{ request_id: 'x'.repeat(129) }, 'REQUEST_ID_INVALID'],
      [{ platform_run_id: '../etc' }, 'RUN_SCOPE_INVALID'],
      [{ platform_run_id: 'a/b' }, 'RUN_SCOPE_INVALID'],
      [{ scenario_run_ids: ['a', ' '] }, 'RUN_SCOPE_INVALID'],
      [{ scenario_run_ids: ['a', 'a'] }, 'RUN_SCOPE_INVALID'],
      [{ replay_basis: [] }, 'BASIS_UNRESOLVED'],
      [{ replay_basis: [{ ...valid.replay_basis[0], partition: true }] }, 'BASIS_UNRESOLVED'],
      [{ replay_basis: [{ ...valid.replay_basis[0], extra: 1 }] }, 'BASIS_UNRESOLVED'],
      [{ replay_basis: [{ ...valid.replay_basis[0], start_offset: '0100' }] }, 'OFFSET_NOT_CANONICAL'],
      [{ replay_basis: [{ ...valid.replay_basis[0], start_offset: '-1' }] }, 'OFFSET_NOT_CANONICAL'],
      [{ replay_basis: [{ ...valid.replay_basis[0], start_offset: '300' }] }, 'OFFSET_RANGE_INVALID'],
      [
        { replay_basis: [valid.replay_basis[0], { ...valid.replay_basis[0], start_offset: '200', end_offset: '300' }] },
        'BASIS_SLICES_OVERLAP',
      ],
      [{ replay_basis: [valid.replay_basis[0], valid.replay_basis[0]] }, 'BASIS_SLICES_OVERLAP'],
      [{ label_basis: { ...valid.label_basis, label_asof_utc: '2026-02-10T10:00:00' } }, 'LABEL_ASOF_INVALID'],
      [{ label_basis: { ...valid.label_basis, label_asof_utc: '2026-02-30T10:00:00Z' } }, 'LABEL_ASOF_INVALID'],
      [{ label_basis: { ...valid.label_basis, resolution_rule: 'latest' } }, 'LABEL_ASOF_INVALID'],
      [{ label_basis: { ...valid.label_basis, maturity_days: -1 } }, 'LABEL_ASOF_MISSING'],
      [{ label_basis: { ...valid.label_basis, maturity_days: null } }, 'LABEL_ASOF_MISSING'],
      [{ label_basis: null }, 'LABEL_ASOF_MISSING'],
      [{ feature_definition_set: {} }, 'FEATURE_PROFILE_UNRESOLVED'],
      [{ join_scope: [] }, 'SCHEMA_INVALID'],
      [{ filters: { n: 2 ** 60 } }, 'SCHEMA_INVALID'],
      [{ parity_anchor_ref: null }, 'PARITY_ANCHOR_INVALID'],
      [{ parity_anchor_ref: ' ' }, 'PARITY_ANCHOR_INVALID'],
      [{ policy_revision: undefined }, 'POLICY_REVISION_MISSING'],
      [{ config_revision: '' }, 'CONFIG_REVISION_MISSING'],
      [{ ofs_code_release_id: ' ' }, 'CODE_RELEASE_MISSING'],
      [{ non_training_allowed: 'yes' }, 'SCHEMA_INVALID'],
      [{ zzz: 1 }, 'SCHEMA_INVALID'],
      [{ schema_version: 'v1' }, 'SCHEMA_INVALID'],
    ];
    for (const [patch, code] of cases) {
      const input: Record<string, unknown> = { ...valid, ...patch };
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete input[k];
      expect({ patch, code: failure(input).code }).toEqual({ patch, code });
    }
  });

  it('accepts the Python `$` quirk: one trailing newline is trimmed', () => {
    expect(parseBuildIntent({ ...valid, request_id: 'abcdefgh\n' }).request_id).toBe('abcdefgh');
    expect(failure({ ...valid, request_id: 'abcdefg\n' }).code).toBe('REQUEST_ID_INVALID');
  });

  it('accepts 56-digit Kinesis sequence numbers compared as integers', () => {
    const seq = '49590338271490256608559692538361571095921575989136588898';
    const intent = parseBuildIntent({
      ...valid,
      replay_basis: [{ topic: 't', partition: 0, offset_kind: 'kinesis_sequence', start_offset: seq, end_offset: `${seq.slice(0, -1)}9` }],
    });
    expect(intent.replay_basis[0]?.start_offset).toBe(seq);
    expect(
      failure({
        ...valid,
        replay_basis: [{ topic: 't', partition: 0, offset_kind: 'kinesis_sequence', start_offset: seq, end_offset: '99' }],
      }).code,
    ).toBe('OFFSET_RANGE_INVALID');
  });

  it('lists every problem, first code in field order', () => {
    const error = failure({ ...valid, request_id: 'x', policy_revision: ' ', intent_kind: 'nope', zzz: true });
    expect(error.code).toBe('REQUEST_ID_INVALID');
    expect(codes({ ...valid, request_id: 'x', policy_revision: ' ', intent_kind: 'nope', zzz: true })).toEqual([
      'REQUEST_ID_INVALID',
      'INTENT_KIND_UNSUPPORTED',
      'POLICY_REVISION_MISSING',
      'SCHEMA_INVALID',
    ]);
  });

  it('turns any malformed input into an OfsError listing problems, never a TypeError', () => {
    const anything = fc.oneof(
      fc.anything(),
      fc.record(
        {
          schema_version: fc.oneof(fc.constant('learning.ofs_build_intent.v0'), fc.anything()),
          request_id: fc.anything(),
          intent_kind: fc.anything(),
          platform_run_id: fc.anything(),
          replay_basis: fc.oneof(
            fc.anything(),
            fc.array(fc.dictionary(fc.constantFrom('topic', 'partition', 'offset_kind', 'start_offset', 'end_offset', 'x'), fc.anything())),
          ),
          label_basis: fc.anything(),
          feature_definition_set: fc.anything(),
          join_scope: fc.anything(),
          filters: fc.anything(),
          run_facts_ref: fc.anything(),
          policy_revision: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(anything, (input) => {
        const result = validateBuildIntent(input);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          const error = failure(input);
          expect(error.code).toBe(result.problems[0]?.code);
          expect(error.retryable).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
