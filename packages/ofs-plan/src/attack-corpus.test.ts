import { isOfsError, type ObjectStore } from '@ofs/contracts';
import { FOREIGN_RUN_REFS, HOSTILE_REF_RUN, HOSTILE_REFS, HOSTILE_RUN_IDS } from '@ofs/contracts/testing';
import { describe, expect, it } from 'vitest';
import { FACTS_REF, intent, RUN, world } from './fixtures/plan-fixtures.js';
import { resolvePlan } from './resolve-plan.js';
import { resolveRef } from './resolve-ref.js';

function codeOfSync(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}

async function keys(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.list('')) out.push(key);
  return out;
}

describe('attack corpus: hostile refs, keys and run ids', () => {
  it('has at least 30 hostile inputs', () => {
    expect(HOSTILE_REFS.length + FOREIGN_RUN_REFS.length + HOSTILE_RUN_IDS.length).toBeGreaterThanOrEqual(30);
    expect(HOSTILE_REF_RUN).toBe(RUN);
  });

  it('resolveRef refuses every hostile ref with REF_INVALID', () => {
    for (const ref of HOSTILE_REFS)
      expect(
        codeOfSync(() => resolveRef(ref, RUN)),
        JSON.stringify(ref),
      ).toBe('REF_INVALID');
    for (const value of [undefined, null, 42, {}, ['a']]) expect(codeOfSync(() => resolveRef(value, RUN))).toBe('REF_INVALID');
  });

  it('resolveRef refuses refs of another run with REF_SCOPE_MISMATCH', () => {
    for (const ref of FOREIGN_RUN_REFS)
      expect(
        codeOfSync(() => resolveRef(ref, RUN)),
        ref,
      ).toBe('REF_SCOPE_MISMATCH');
    expect(resolveRef(FACTS_REF, RUN)).toBe(FACTS_REF);
  });

  it('resolveRef refuses to confine anything to a hostile run id', () => {
    for (const run of HOSTILE_RUN_IDS)
      expect(
        codeOfSync(() => resolveRef(`${run}/sr/facts.json`, run)),
        JSON.stringify(run),
      ).toBe('REF_INVALID');
  });

  it('resolvePlan refuses hostile run facts and anchor refs before reading or writing anything', async () => {
    const deps = await world();
    const before = await keys(deps.store);
    for (const ref of HOSTILE_REFS.filter((r) => r.trim() !== '' && r === r.trim())) {
      expect(await codeOf(resolvePlan(intent({ run_facts_ref: ref }), deps)), JSON.stringify(ref)).toBe('REF_INVALID');
      expect(await codeOf(resolvePlan(intent({ parity_anchor_ref: ref }), deps)), JSON.stringify(ref)).toBe('REF_INVALID');
    }
    for (const ref of FOREIGN_RUN_REFS) {
      expect(await codeOf(resolvePlan(intent({ run_facts_ref: ref }), deps)), ref).toBe('REF_SCOPE_MISMATCH');
    }
    expect(await keys(deps.store)).toEqual(before);
  });

  it('resolvePlan refuses an intent with a hostile platform run id and writes nothing', async () => {
    const deps = await world();
    const before = await keys(deps.store);
    for (const run of HOSTILE_RUN_IDS) {
      const code = await codeOf(resolvePlan({ ...intent(), platform_run_id: run }, deps));
      expect(code, JSON.stringify(run)).toBe('RUN_SCOPE_INVALID');
    }
    expect(await keys(deps.store)).toEqual(before);
  });
});
