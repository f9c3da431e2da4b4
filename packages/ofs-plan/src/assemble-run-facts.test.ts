// assembleRunFacts (issue 14 item 3): a run-facts view from the platform's own receipts. The
// evidence is the reference scenario runner's format (its run_facts_view of the reference's Phase 3
// baseline, fixtures/reference-phase3.json); the decision table is the reference's E9 plus the
// FAIL-beside-PASS cases the helper withholds.
import { isOfsError, type ObjectStore } from '@ofs/contracts';
import { writeOnceJson } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { assembleRunFacts, type PlatformRunEvidence } from './assemble-run-facts.js';
import {
  FACTS_REF,
  type Facts,
  FINGERPRINT,
  intent,
  NO_FACTS,
  OUTPUT,
  OUTPUT_PATH,
  RUN,
  runFacts,
  SCENARIO,
  world,
} from './fixtures/plan-fixtures.js';
import { resolvePlan } from './resolve-plan.js';

const OTHER = 'arrival_events_5B';
const OTHER_PATH = 's3://oracle-store/local_full_run-5/data/arrival_events_5B/part-*.parquet';

/** The scenario runner's evidence for the baseline run: one output with an instance PASS, one gate PASS. */
const evidence = (): Facts => runFacts();

const without = (facts: Facts, field: string): Facts => {
  const copy = structuredClone(facts);
  delete copy[field];
  return copy;
};

const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
  } catch (error) {
    if (isOfsError(error)) return error.code;
    throw error;
  }
  return 'OK';
};

async function planWith(view: unknown, intentOverrides: Record<string, unknown> = {}) {
  const deps = await world(NO_FACTS);
  await writeOnceJson(deps.store as ObjectStore, FACTS_REF, view);
  return resolvePlan(intent(intentOverrides), deps);
}

describe('assembleRunFacts', () => {
  it('keeps an output the platform’s instance receipt PASSes, copying every receipt verbatim', async () => {
    const facts = evidence();
    const { view, admitted, withheld } = assembleRunFacts(facts as PlatformRunEvidence, { key: FACTS_REF });
    expect(admitted).toEqual([{ output_id: OUTPUT, decided_by: 'INSTANCE_RECEIPT', evidence_ref: `${FACTS_REF}#/instance_receipts/0` }]);
    expect(withheld).toEqual([]);
    expect(view.locators).toEqual(facts.locators);
    expect(view.instance_receipts).toEqual(facts.instance_receipts);
    expect(view.gate_receipts).toEqual(facts.gate_receipts);
    expect(view).toMatchObject({
      platform_run_id: RUN,
      scenario_run_id: SCENARIO,
      assembly: { recipe: 'ofs.run_facts_assembly.v1', withheld: [] },
    });
    // The scenario runner's bookkeeping (bundle hash, refs) is not what OFS reads and is not copied.
    expect(view).not.toHaveProperty('bundle_hash');

    const { plan } = await planWith(view);
    expect(plan.run_facts.outputs).toEqual(admitted);
  });

  it('admits by a PASS gate for the locator’s fingerprint when no instance receipt names the output (E9 row 4)', async () => {
    const facts = without(evidence(), 'instance_receipts');
    const { admitted, view } = assembleRunFacts(facts as PlatformRunEvidence, { key: FACTS_REF });
    expect(admitted).toEqual([{ output_id: OUTPUT, decided_by: 'GATE_RECEIPT', evidence_ref: `${FACTS_REF}#/gate_receipts/0` }]);
    expect((await planWith(view)).plan.run_facts.outputs).toEqual(admitted);
  });

  it('never writes a PASS: FAIL or missing evidence leaves the output out, and the plan refuses it (NO_PASS_NO_READ)', async () => {
    const failing: Array<[string, (f: Facts) => void]> = [
      ['instance FAIL (E9 row 3: gates are not consulted)', (f) => (f.instance_receipts[0].status = 'FAIL')],
      ['instance PASS for another path (E9 row 2)', (f) => (f.instance_receipts[0].target_ref.path = 's3://elsewhere/part-0.parquet')],
      ['lower-case pass is not PASS', (f) => (f.instance_receipts[0].status = 'pass')],
      [
        'gate PASS for another fingerprint (E9 row 5)',
        (f) => {
          delete f.instance_receipts;
          f.gate_receipts[0].scope.manifest_fingerprint = 'd'.repeat(64);
        },
      ],
      [
        'no receipt at all',
        (f) => {
          delete f.instance_receipts;
          f.gate_receipts = [];
        },
      ],
      [
        'a FAIL instance receipt beside the PASS',
        (f) => f.instance_receipts.push({ ...structuredClone(f.instance_receipts[0]), status: 'FAIL' }),
      ],
      [
        'a FAIL gate for the same fingerprint beside the PASS gate',
        (f) => {
          delete f.instance_receipts;
          f.gate_receipts.push({ gate_id: 'gate.layer3.6B.bundle', status: 'FAIL', scope: { manifest_fingerprint: FINGERPRINT } });
        },
      ],
    ];
    for (const [name, breakIt] of failing) {
      const facts = evidence();
      breakIt(facts);
      const before = structuredClone(facts);
      const { view, admitted, withheld } = assembleRunFacts(facts as PlatformRunEvidence, { key: FACTS_REF });
      expect(admitted, name).toEqual([]);
      expect(
        withheld.map((w) => w.output_id),
        name,
      ).toEqual([OUTPUT]);
      expect(view.locators, name).toEqual([]);
      expect(facts, `${name}: the evidence is only read`).toEqual(before);
      // The intent requires the output: refused. With no requirement, the empty view is refused too (no vacuous pass).
      expect(await codeOf(() => planWith(view)), name).toBe('NO_PASS_NO_READ');
      expect(await codeOf(() => planWith(view, { join_scope: { subject_key: 'platform_run_id,event_id' } })), name).toBe('NO_PASS_NO_READ');
    }
  });

  it('keeps what PASSes and leaves out what does not, recording why in the view', async () => {
    const facts = evidence();
    facts.locators.push({ output_id: OTHER, path: OTHER_PATH });
    facts.instance_receipts.push({
      output_id: OTHER,
      status: 'FAIL',
      scope: { manifest_fingerprint: FINGERPRINT },
      target_ref: { output_id: OTHER, path: OTHER_PATH },
      target_digest: { algo: 'sha256', hex: 'e'.repeat(64) },
    });
    const { view, withheld } = assembleRunFacts(facts as PlatformRunEvidence, { key: FACTS_REF });
    expect(view.locators.map((l) => l.output_id)).toEqual([OUTPUT]);
    expect(withheld).toEqual([{ output_id: OTHER, reason: expect.stringContaining('instance receipt') }]);
    expect((view as Facts).assembly.withheld).toEqual(withheld);
    // A plan requiring only the passing output reads it; one requiring the withheld output is refused.
    expect((await planWith(view)).plan.run_facts.outputs.map((o) => o.output_id)).toEqual([OUTPUT]);
    expect(
      await codeOf(() => planWith(view, { join_scope: { subject_key: 'platform_run_id,event_id', required_output_ids: [OUTPUT, OTHER] } })),
    ).toBe('NO_PASS_NO_READ');
  });

  it('refuses malformed evidence with RUN_FACTS_INVALID instead of guessing', async () => {
    const twice = evidence();
    twice.locators.push(structuredClone(twice.locators[0]));
    const contradicting = evidence();
    contradicting.pins.platform_run_id = 'platform_20260210T113701Z';
    const noFingerprintScope = evidence();
    noFingerprintScope.gate_receipts[0].scope = {};
    const noPins = without(evidence(), 'pins');
    for (const facts of [twice, contradicting, noFingerprintScope, noPins]) {
      expect(await codeOf(() => assembleRunFacts(facts as PlatformRunEvidence))).toBe('RUN_FACTS_INVALID');
    }
  });

  it('gives the same view for the same evidence (write-once converges)', () => {
    const a = assembleRunFacts(evidence() as PlatformRunEvidence, { key: FACTS_REF });
    const b = assembleRunFacts(evidence() as PlatformRunEvidence, { key: FACTS_REF });
    expect(JSON.stringify(a.view)).toBe(JSON.stringify(b.view));
    expect(OUTPUT_PATH).toBe(a.view.locators[0]?.path);
  });
});
