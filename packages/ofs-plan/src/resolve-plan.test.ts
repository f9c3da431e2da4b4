import { BuildPlanSchema, isOfsError, type ObjectStore, schemaChecker } from '@ofs/contracts';
import { canonicalJson, datasetFingerprint, identityOf } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FACTS_REF,
  type Facts,
  FINGERPRINT,
  intent,
  NO_FACTS,
  OUTPUT,
  OUTPUT_PATH,
  PINS,
  POLICY,
  PROFILE,
  put,
  RUN,
  rawIntent,
  runFacts,
  SCENARIO,
  world,
} from './fixtures/plan-fixtures.js';
import { createMemoryFeatureProfiles } from './memory-feature-profiles.js';
import type { RefAudit } from './ref-audit.js';
import { resolvePlan } from './resolve-plan.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isOfsError(error)) return error.code;
    throw error;
  }
  return 'OK';
}

async function keys(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.list('')) out.push(key);
  return out;
}

const planChecker = schemaChecker(BuildPlanSchema);

describe('resolvePlan: the happy path', () => {
  it('resolves every pin and writes the plan write-once under the run', async () => {
    const deps = await world();
    const { plan, planKey, written, refs } = await resolvePlan(intent(), deps);
    expect(written).toBe('created');
    expect(planKey).toBe(`${RUN}/ofs/plans/${plan.plan_id}.json`);
    expect(plan.plan_id).toMatch(/^plan_[0-9a-f]{32}$/);
    expect(planChecker.check(plan)).toBe(true);
    expect(plan).toMatchObject({
      intent_kind: 'dataset_build',
      training_posture: 'TRAINING',
      platform_run_id: RUN,
      scenario_run_ids: [SCENARIO],
      dataset_fingerprint: datasetFingerprint(identityOf(intent())),
      label_basis: { label_asof_instant: '2026-02-10T10:00:00Z', posture: 'KNEW_THEN', maturity_days: 30 },
      feature_profile: { feature_set_id: 'core_features', feature_set_version: 'v1', ref: 'memory:core_features/v1' },
      run_facts: {
        ref: FACTS_REF,
        outputs: [{ output_id: OUTPUT, decided_by: 'INSTANCE_RECEIPT', evidence_ref: `${FACTS_REF}#/instance_receipts/0` }],
      },
      policy: { revision: 'ofs-policy-v0' },
      config_revision: 'local-parity-v0',
      ofs_code_release_id: 'git:abc123',
    });
    expect(plan.parity_anchor).toBeUndefined();
    const stored = await deps.store.get(planKey);
    expect(new TextDecoder().decode(stored)).toBe(canonicalJson(plan));
    expect(refs).toEqual([
      { ref: FACTS_REF, purpose: 'run_facts', outcome: 'RESOLVED' },
      { ref: `${FACTS_REF}#/instance_receipts/0`, purpose: 'pass_evidence', outcome: 'RESOLVED', output_id: OUTPUT },
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/request_id|ofs\.phase3\.req/);
  });

  it('converges: resolving again yields the same id and bytes and reports identical', async () => {
    const deps = await world();
    const first = await resolvePlan(intent(), deps);
    const second = await resolvePlan(intent(), deps);
    expect(second.written).toBe('identical');
    expect(second.plan.plan_id).toBe(first.plan.plan_id);
    expect(canonicalJson(second.plan)).toBe(canonicalJson(first.plan));
    expect((await keys(deps.store)).filter((k) => k.includes('/ofs/plans/'))).toEqual([first.planKey]);
  });

  it('gives a different request id the same plan (no request data in the plan)', async () => {
    const deps = await world();
    const a = await resolvePlan(intent(), deps);
    const b = await resolvePlan(intent({ request_id: 'another.request.0042' }), deps);
    expect(b.plan.plan_id).toBe(a.plan.plan_id);
    expect(b.written).toBe('identical');
  });

  it('records the KNOW_NOW posture and refuses an unknown one', async () => {
    const deps = await world();
    const { plan } = await resolvePlan(intent({ filters: { label_posture: 'KNOW_NOW' } }), deps);
    expect(plan.label_basis.posture).toBe('KNOW_NOW');
    expect(await codeOf(resolvePlan(intent({ filters: { label_posture: 'LATEST' } }), deps))).toBe('SCHEMA_INVALID');
    expect(await codeOf(resolvePlan(intent({ filters: { label_posture: 1 } }), deps))).toBe('SCHEMA_INVALID');
  });

  it('admits an output by gate receipt when it has no instance receipt', async () => {
    const facts = runFacts();
    delete facts.instance_receipts;
    const { plan } = await resolvePlan(intent(), await world(facts));
    expect(plan.run_facts.outputs).toEqual([
      { output_id: OUTPUT, decided_by: 'GATE_RECEIPT', evidence_ref: `${FACTS_REF}#/gate_receipts/0` },
    ]);
  });
});

describe('resolvePlan: determinism', () => {
  const slices = [
    { topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '99' },
    { topic: 'fp.bus.traffic.fraud.v1', partition: 1, offset_kind: 'kafka_offset', start_offset: '5', end_offset: '7' },
    { topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200' },
    { topic: 'fp.bus.context.arrival.v1', partition: 10, offset_kind: 'kafka_offset', start_offset: '1', end_offset: '1' },
    { topic: 'fp.bus.context.arrival.v1', partition: 2, offset_kind: 'kafka_offset', start_offset: '1', end_offset: '1' },
  ];
  const scenarios = [SCENARIO, 'zz_scenario', 'aa_scenario', '\u00e9t\u00e9'];

  it('yields the same plan_id and plan bytes for any order of slices and scenario ids', async () => {
    const deps = await world();
    const reference = await resolvePlan(intent({ replay_basis: slices, scenario_run_ids: scenarios }), deps);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(slices, { minLength: 5 }), fc.shuffledSubarray(scenarios, { minLength: 4 }), async (s, r) => {
        const again = await resolvePlan(intent({ replay_basis: s, scenario_run_ids: r }), deps);
        expect(again.plan.plan_id).toBe(reference.plan.plan_id);
        expect(canonicalJson(again.plan)).toBe(canonicalJson(reference.plan));
        expect(again.written).toBe('identical');
      }),
      { numRuns: 40 },
    );
    expect(reference.plan.scenario_run_ids).toEqual(['74bd83db1ad3d1fa136e579115d55429', 'aa_scenario', 'zz_scenario', '\u00e9t\u00e9']);
    expect(reference.plan.replay_basis.map((s) => `${s.topic}/${s.partition}/${s.start_offset}`)).toEqual([
      'fp.bus.context.arrival.v1/2/1',
      'fp.bus.context.arrival.v1/10/1',
      'fp.bus.traffic.fraud.v1/0/0',
      'fp.bus.traffic.fraud.v1/0/100',
      'fp.bus.traffic.fraud.v1/1/5',
    ]);
  });

  it('changes plan_id with every pinned input', async () => {
    const deps = await world();
    const base = (await resolvePlan(intent(), deps)).plan.plan_id;
    const ids = new Set([base]);
    ids.add((await resolvePlan(intent({ non_training_allowed: true }), deps)).plan.plan_id);
    ids.add((await resolvePlan(intent({ intent_kind: 'forensic_rebuild' }), deps)).plan.plan_id);
    const otherPolicy = { ...POLICY, part_rows: 10 };
    ids.add((await resolvePlan(intent(), { ...deps, policy: otherPolicy })).plan.plan_id);
    const otherProfiles = createMemoryFeatureProfiles([{ ...PROFILE, feature_set_version: 'v2' }]);
    ids.add(
      (
        await resolvePlan(intent({ feature_definition_set: { feature_set_id: 'core_features', feature_set_version: 'v2' } }), {
          ...deps,
          profiles: otherProfiles,
        })
      ).plan.plan_id,
    );
    const facts = runFacts();
    facts.note = 'another view of the same run';
    const otherRef = `${RUN}/sr/run_facts_view/other.json`;
    await put(deps.store, otherRef, facts);
    ids.add((await resolvePlan(intent({ run_facts_ref: otherRef }), deps)).plan.plan_id);
    expect(ids.size).toBe(6);
  });
});

describe('resolvePlan: pins (law 3)', () => {
  it('POLICY_INVALID for an invalid policy', async () => {
    const deps = await world();
    expect(await codeOf(resolvePlan(intent(), { ...deps, policy: { ...POLICY, min_label_coverage: 7 } }))).toBe('POLICY_INVALID');
  });
  it('POLICY_REVISION_MISMATCH', async () => {
    expect(await codeOf(resolvePlan(intent({ policy_revision: 'ofs-policy-v1' }), await world()))).toBe('POLICY_REVISION_MISMATCH');
  });
  it('CONFIG_REVISION_MISMATCH', async () => {
    expect(await codeOf(resolvePlan(intent({ config_revision: 'prod-v9' }), await world()))).toBe('CONFIG_REVISION_MISMATCH');
  });
  it('CODE_RELEASE_MISMATCH', async () => {
    expect(await codeOf(resolvePlan(intent({ ofs_code_release_id: 'git:def456' }), await world()))).toBe('CODE_RELEASE_MISMATCH');
  });
  it('checks pins before reading anything', async () => {
    const deps = await world();
    const audits: RefAudit[] = [];
    await codeOf(resolvePlan(intent(), { ...deps, pins: { ...PINS, codeReleaseId: 'git:zzz' } }, { onRef: (a) => audits.push(a) }));
    expect(audits).toEqual([]);
    expect(await keys(deps.store)).toEqual([FACTS_REF]);
  });
});

describe('resolvePlan: refs and run facts', () => {
  it('REF_INVALID for traversal, absolute paths and schemes; REF_SCOPE_MISMATCH for another run', async () => {
    const deps = await world();
    for (const ref of [`${RUN}/../x.json`, `/${FACTS_REF}`, `s3://bucket/${FACTS_REF}`, `file:///${FACTS_REF}`]) {
      const audits: RefAudit[] = [];
      expect(await codeOf(resolvePlan(intent({ run_facts_ref: ref }), deps, { onRef: (a) => audits.push(a) }))).toBe('REF_INVALID');
      expect(audits).toEqual([{ ref, purpose: 'run_facts', outcome: 'REF_INVALID' }]);
    }
    const other = `platform_20990101T000000Z/sr/run_facts_view/${SCENARIO}.json`;
    await put(deps.store, other, { ...runFacts(), platform_run_id: 'platform_20990101T000000Z' });
    expect(await codeOf(resolvePlan(intent({ run_facts_ref: other }), deps))).toBe('REF_SCOPE_MISMATCH');
    expect(await codeOf(resolvePlan(intent({ parity_anchor_ref: other }), deps))).toBe('REF_SCOPE_MISMATCH');
  });

  it('RUN_FACTS_UNAVAILABLE when the ref names nothing', async () => {
    const audits: RefAudit[] = [];
    expect(await codeOf(resolvePlan(intent(), await world(NO_FACTS), { onRef: (a) => audits.push(a) }))).toBe('RUN_FACTS_UNAVAILABLE');
    expect(audits).toEqual([{ ref: FACTS_REF, purpose: 'run_facts', outcome: 'RUN_FACTS_UNAVAILABLE' }]);
  });

  it('ARTIFACT_CORRUPT when the run facts are not JSON', async () => {
    expect(await codeOf(resolvePlan(intent(), await world('{not json')))).toBe('ARTIFACT_CORRUPT');
    const store = (await world(NO_FACTS)).store;
    await store.putIfAbsent(FACTS_REF, new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(await codeOf(resolvePlan(intent(), { ...(await world(NO_FACTS)), store }))).toBe('ARTIFACT_CORRUPT');
  });

  it('RUN_FACTS_INVALID for a malformed view, a contradiction, or another scope', async () => {
    const cases: Facts[] = [];
    const noPins = runFacts();
    delete noPins.pins;
    cases.push(noPins);
    const badLocators = runFacts();
    badLocators.locators = 'all of them';
    cases.push(badLocators);
    const otherRun = runFacts();
    otherRun.platform_run_id = 'platform_20990101T000000Z';
    otherRun.pins.platform_run_id = 'platform_20990101T000000Z';
    cases.push(otherRun);
    const contradiction = runFacts();
    contradiction.pins.platform_run_id = 'platform_20990101T000000Z';
    cases.push(contradiction);
    const noScenario = runFacts();
    delete noScenario.scenario_run_id;
    delete noScenario.pins.scenario_run_id;
    cases.push(noScenario);
    const duplicateLocator = runFacts();
    duplicateLocator.locators.push({ ...duplicateLocator.locators[0], path: 's3://elsewhere/part-0.parquet' });
    cases.push(duplicateLocator);
    for (const facts of cases) expect(await codeOf(resolvePlan(intent(), await world(facts)))).toBe('RUN_FACTS_INVALID');
    expect(await codeOf(resolvePlan(intent(), await world([1, 2])))).toBe('RUN_FACTS_INVALID');
    expect(await codeOf(resolvePlan(intent({ scenario_run_ids: ['another_scenario'] }), await world()))).toBe('RUN_FACTS_INVALID');
  });
});

describe('resolvePlan: no PASS → no read', () => {
  async function refusal(mutate: (facts: Facts) => void, overrides: Record<string, unknown> = {}, required: string[] = []) {
    const facts = runFacts();
    mutate(facts);
    const audits: RefAudit[] = [];
    const code = await codeOf(
      resolvePlan(intent(overrides), await world(facts), { onRef: (a) => audits.push(a), requiredOutputIds: required }),
    );
    return { code, audits };
  }

  it('an instance receipt FAIL is decisive, even with a PASS gate', async () => {
    const { code, audits } = await refusal((f) => {
      f.instance_receipts[0].status = 'FAIL';
    });
    expect(code).toBe('NO_PASS_NO_READ');
    expect(audits.at(-1)).toMatchObject({ purpose: 'pass_evidence', outcome: 'NO_PASS_NO_READ', output_id: OUTPUT });
  });

  it('status is exact: "pass" is not PASS', async () => {
    expect((await refusal((f) => (f.instance_receipts[0].status = 'pass'))).code).toBe('NO_PASS_NO_READ');
  });

  it('a PASS for another path, fingerprint or digest does not admit the locator', async () => {
    expect((await refusal((f) => (f.instance_receipts[0].target_ref.path = 's3://elsewhere/x.parquet'))).code).toBe('NO_PASS_NO_READ');
    expect((await refusal((f) => (f.instance_receipts[0].scope.manifest_fingerprint = 'f'.repeat(64)))).code).toBe('NO_PASS_NO_READ');
    expect((await refusal((f) => (f.instance_receipts[0].target_digest.hex = 'b'.repeat(64)))).code).toBe('NO_PASS_NO_READ');
  });

  it('without instance receipts, only a PASS gate of the same fingerprint admits', async () => {
    const noInstance = (f: Facts) => delete f.instance_receipts;
    expect(
      (
        await refusal((f) => {
          noInstance(f);
          f.gate_receipts[0].scope.manifest_fingerprint = 'f'.repeat(64);
        })
      ).code,
    ).toBe('NO_PASS_NO_READ');
    expect(
      (
        await refusal((f) => {
          noInstance(f);
          f.gate_receipts[0].status = 'FAIL';
        })
      ).code,
    ).toBe('NO_PASS_NO_READ');
    expect(
      (
        await refusal((f) => {
          noInstance(f);
          delete f.locators[0].manifest_fingerprint;
          delete f.pins.manifest_fingerprint;
        })
      ).code,
    ).toBe('NO_PASS_NO_READ');
  });

  it('a required output without a locator is refused (intent or configuration)', async () => {
    expect((await refusal(() => {}, { join_scope: { required_output_ids: [OUTPUT, 'zz_missing_output'] } })).code).toBe('NO_PASS_NO_READ');
    expect((await refusal(() => {}, {}, ['arrival_events_5B'])).code).toBe('NO_PASS_NO_READ');
  });

  it('zero PASS-gated outputs is an error, not a vacuous pass', async () => {
    const { code } = await refusal((f) => {
      f.locators = [];
    });
    expect(code).toBe('NO_PASS_NO_READ');
  });

  it('refuses every unadmitted output in one error', async () => {
    const facts = runFacts();
    facts.locators.push({ output_id: 'arrival_events_5B', path: 's3://o/arrival/part-0.parquet', manifest_fingerprint: 'e'.repeat(64) });
    facts.locators.push({ output_id: 'zz_other', path: 's3://o/zz.parquet', manifest_fingerprint: 'e'.repeat(64) });
    try {
      await resolvePlan(intent({ join_scope: {} }), await world(facts));
      expect.unreachable();
    } catch (error) {
      expect(isOfsError(error, 'NO_PASS_NO_READ')).toBe(true);
      expect((error as { details: { refusals: { output_id: string }[] } }).details.refusals.map((r) => r.output_id)).toEqual([
        'arrival_events_5B',
        'zz_other',
      ]);
    }
  });

  it('join_scope.required_output_ids must be a list of ids', async () => {
    expect((await refusal(() => {}, { join_scope: { required_output_ids: OUTPUT } })).code).toBe('SCHEMA_INVALID');
    expect((await refusal(() => {}, { join_scope: { required_output_ids: [''] } })).code).toBe('SCHEMA_INVALID');
  });
});

describe('resolvePlan: feature profile', () => {
  it('FEATURE_PROFILE_UNRESOLVED for an unknown version or a failing adapter', async () => {
    const deps = await world();
    expect(
      await codeOf(resolvePlan(intent({ feature_definition_set: { feature_set_id: 'core_features', feature_set_version: 'v9' } }), deps)),
    ).toBe('FEATURE_PROFILE_UNRESOLVED');
    const broken = { resolve: async () => Promise.reject(new TypeError('socket hang up')) };
    expect(await codeOf(resolvePlan(intent(), { ...deps, profiles: broken }))).toBe('FEATURE_PROFILE_UNRESOLVED');
  });

  it('FEATURE_PROFILE_INVALID for an invalid, mislabelled or misdigested profile from the adapter', async () => {
    const deps = await world();
    const invalid = {
      ...PROFILE,
      features: [{ name: 'x_sum', kind: 'window', entity: 'nobody', aggregate: 'sum', path: 'a', window_seconds: 5 }],
    };
    const lying = (profile: unknown, digest = 'a'.repeat(64)) =>
      ({ resolve: async () => ({ ref: 'host:core', profile, digest }) }) as never;
    try {
      await resolvePlan(intent(), { ...deps, profiles: lying(invalid) });
      expect.unreachable();
    } catch (error) {
      expect(isOfsError(error, 'FEATURE_PROFILE_INVALID')).toBe(true);
      expect((error as { details: { feature?: string } }).details.feature).toBe('x_sum');
    }
    expect(await codeOf(resolvePlan(intent(), { ...deps, profiles: lying({ ...PROFILE, feature_set_version: 'v2' }) }))).toBe(
      'FEATURE_PROFILE_INVALID',
    );
    expect(await codeOf(resolvePlan(intent(), { ...deps, profiles: lying(PROFILE) }))).toBe('FEATURE_PROFILE_INVALID');
  });

  it('FEATURE_PROFILE_DRIFT when a version changes content after it was pinned, in any run', async () => {
    const deps = await world();
    await resolvePlan(intent(), deps);
    const changed = createMemoryFeatureProfiles([
      { ...PROFILE, features: [...PROFILE.features, { name: 'mcc', kind: 'field', path: 'mcc' }] },
    ]);
    try {
      await resolvePlan(intent(), { ...deps, profiles: changed });
      expect.unreachable();
    } catch (error) {
      expect(isOfsError(error, 'FEATURE_PROFILE_DRIFT')).toBe(true);
    }
    // Another platform run of the same store sees the same pin.
    const otherRun = 'platform_20260301T000000Z';
    const facts = runFacts();
    facts.platform_run_id = otherRun;
    facts.pins.platform_run_id = otherRun;
    const ref = `${otherRun}/sr/run_facts_view/${SCENARIO}.json`;
    await put(deps.store, ref, facts);
    expect(await codeOf(resolvePlan(intent({ platform_run_id: otherRun, run_facts_ref: ref }), { ...deps, profiles: changed }))).toBe(
      'FEATURE_PROFILE_DRIFT',
    );
    expect(await codeOf(resolvePlan(intent({ platform_run_id: otherRun, run_facts_ref: ref }), deps))).toBe('OK');
  });
});

describe('resolvePlan: parity anchor and intent kinds', () => {
  const ANCHOR_REF = `${RUN}/dla/audit/anchor.json`;
  const anchor = {
    audit_id: 'd'.repeat(32),
    snapshot_hash: 'e'.repeat(64),
    pins: { platform_run_id: RUN, scenario_run_id: SCENARIO },
    eb_offset_basis: {
      stream: 'fp.bus.traffic.fraud.v1',
      offset_kind: 'kinesis_sequence',
      offsets: [
        { partition: 1, offset: '7' },
        { partition: 0, offset: '200' },
      ],
    },
    feature_groups: [{ name: 'core_features', version: 'v1' }],
  };

  it('types an anchor and pins its digest (a parity rebuild is never training)', async () => {
    const deps = await world();
    await put(deps.store, ANCHOR_REF, anchor);
    const { plan, refs } = await resolvePlan(intent({ intent_kind: 'parity_rebuild', parity_anchor_ref: ANCHOR_REF }), deps);
    expect(plan.training_posture).toBe('NON_TRAINING');
    expect(plan.parity_anchor?.ref).toBe(ANCHOR_REF);
    expect(plan.parity_anchor?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.parity_anchor?.anchor).toEqual({
      schema_version: 'learning.ofs_parity_anchor.v1',
      anchor_kind: 'audit_record',
      anchor_id: 'd'.repeat(32),
      snapshot_hash: 'e'.repeat(64),
      basis: {
        form: 'eb_offset_basis',
        stream: 'fp.bus.traffic.fraud.v1',
        offset_kind: 'kinesis_sequence',
        offsets: [
          { partition: 0, next_offset: '200' },
          { partition: 1, next_offset: '7' },
        ],
      },
      feature_definition_set: { feature_set_id: 'core_features', feature_set_version: 'v1' },
    });
    expect(refs.map((r) => `${r.purpose}:${r.outcome}`)).toEqual([
      'run_facts:RESOLVED',
      'pass_evidence:RESOLVED',
      'parity_anchor:RESOLVED',
    ]);
  });

  it('PARITY_ANCHOR_INVALID: parity rebuild without anchor, missing file, bad content, other scope or features', async () => {
    const deps = await world();
    expect(await codeOf(resolvePlan(intent({ intent_kind: 'parity_rebuild' }), deps))).toBe('PARITY_ANCHOR_INVALID');
    expect(await codeOf(resolvePlan(intent({ parity_anchor_ref: `${RUN}/dla/audit/none.json` }), deps))).toBe('PARITY_ANCHOR_INVALID');
    const bad: unknown[] = [
      [anchor],
      { ...anchor, snapshot_hash: '' },
      { ...anchor, eb_offset_basis: undefined },
      { ...anchor, eb_offset_basis: { ...anchor.eb_offset_basis, offsets: [] } },
      { ...anchor, eb_offset_basis: { ...anchor.eb_offset_basis, offsets: [{ partition: '2', offset: 9 }] } },
      { ...anchor, eb_offset_basis: { ...anchor.eb_offset_basis, offsets: [{ partition: 0, offset: '007' }] } },
      {
        ...anchor,
        eb_offset_basis: {
          ...anchor.eb_offset_basis,
          offsets: [
            { partition: 0, offset: '1' },
            { partition: 0, offset: '2' },
          ],
        },
      },
      { ...anchor, pins: { platform_run_id: 'platform_20990101T000000Z' } },
      { ...anchor, pins: { scenario_run_id: 'another' } },
      { ...anchor, feature_groups: [{ name: 'core_features', version: 'v2' }] },
      { ...anchor, feature_definition_set: { feature_set_id: 'core_features' } },
      {
        ...anchor,
        eb_offset_basis: undefined,
        replay_basis: [{ topic: 't', partition: 0, offset_kind: 'k', start_offset: '5', end_offset: '1' }],
      },
    ];
    for (const [i, content] of bad.entries()) {
      const ref = `${RUN}/dla/audit/bad-${i}.json`;
      await put(deps.store, ref, content);
      expect(await codeOf(resolvePlan(intent({ parity_anchor_ref: ref }), deps)), `case ${i}`).toBe('PARITY_ANCHOR_INVALID');
    }
    await put(deps.store, `${RUN}/dla/audit/corrupt.json`, '{"audit_id":');
    expect(await codeOf(resolvePlan(intent({ parity_anchor_ref: `${RUN}/dla/audit/corrupt.json` }), deps))).toBe('ARTIFACT_CORRUPT');
  });

  it('forensic rebuilds and non-training builds resolve as NON_TRAINING plans', async () => {
    const deps = await world();
    expect((await resolvePlan(intent({ intent_kind: 'forensic_rebuild' }), deps)).plan.training_posture).toBe('NON_TRAINING');
    expect((await resolvePlan(intent({ non_training_allowed: true }), deps)).plan.training_posture).toBe('NON_TRAINING');
  });
});

describe('resolvePlan: write-once and cancellation', () => {
  it('ARTIFACT_IMMUTABILITY_VIOLATION when different bytes exist under the plan key', async () => {
    const deps = await world();
    const first = await resolvePlan(intent(), { ...deps, store: (await world()).store });
    await put(deps.store, first.planKey, { ...first.plan, run_facts: { ...first.plan.run_facts, digest: 'f'.repeat(64) } });
    expect(await codeOf(resolvePlan(intent(), deps))).toBe('ARTIFACT_IMMUTABILITY_VIOLATION');
  });

  it('ABORTED before doing anything when the signal is aborted', async () => {
    const deps = await world();
    expect(await codeOf(resolvePlan(intent(), deps, { signal: AbortSignal.abort() }))).toBe('ABORTED');
    expect(await keys(deps.store)).toEqual([FACTS_REF]);
  });

  it('re-validates the intent it is given', async () => {
    const deps = await world();
    const forged = { ...intent(), platform_run_id: '../../escape' };
    expect(await codeOf(resolvePlan(forged, deps))).toBe('RUN_SCOPE_INVALID');
    expect(await codeOf(resolvePlan({ ...intent(), replay_basis: [] }, deps))).toBe('BASIS_UNRESOLVED');
    expect(rawIntent().request_id).toBe('ofs.phase3.req.001');
  });
});

export { FINGERPRINT, OUTPUT_PATH };
