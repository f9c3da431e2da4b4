import { OfsError, parseBuildIntent } from '@ofs/contracts';
import { createMemoryLedgerStore } from '@ofs/ledger';
import { createMemoryFeatureProfiles } from '@ofs/plan';
import { describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import { demoProfile } from './demo/fixtures.js';
import { resolveRunConfig, runConfigDigest } from './run-config.js';
import { memoryWorld } from './test-support/memory-world.js';

describe('run-config digest', async () => {
  const world = await memoryWorld({ events: 100 });
  const intent = parseBuildIntent(world.intent());
  const base = { policy: world.policy, profiles: world.deps.profiles, pins: world.pins };
  const digest = async (inputs: Partial<typeof base> & { extra?: Record<string, string> } = {}) =>
    runConfigDigest(await resolveRunConfig(intent, { ...base, ...inputs }));

  it('is stable for the same outcome-affecting configuration, whatever the ports and worker', async () => {
    const a = createCorridor({ ...world.deps, worker: 'a', leaseMs: 1_000 });
    const b = createCorridor({ ...world.deps, ledger: createMemoryLedgerStore(), worker: 'b', leaseMs: 60_000 });
    expect(await a.runConfigDigest(intent)).toBe(await b.runConfigDigest(intent));
    expect(await a.runConfigDigest(intent)).toBe(await digest());
    expect(await digest()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with policy content (even under the same revision), profile content, code release, config revision and host extras', async () => {
    const reference = await digest();
    const changed = [
      await digest({ policy: { ...world.policy, max_conflict_ratio: 0.04 } }),
      await digest({ profiles: createMemoryFeatureProfiles([{ ...demoProfile(), description: 'edited in place' }]) }),
      await digest({ pins: { ...world.pins, codeReleaseId: 'ofs-test-release-2' } }),
      await digest({ pins: { ...world.pins, configRevision: 'demo-config-r2' } }),
      await digest({ extra: { verify_hashes: 'true' } }),
    ];
    for (const d of changed) expect(d).not.toBe(reference);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('folds a deterministic profile failure into the config, and throws a retryable one', async () => {
    const missing = await resolveRunConfig(
      parseBuildIntent(world.intent({ feature_definition_set: { feature_set_id: 'nope', feature_set_version: 'v1' } })),
      base,
    );
    expect(missing.profile).toMatchObject({ digest: null, error_code: 'FEATURE_PROFILE_UNRESOLVED' });
    const down = { resolve: async () => Promise.reject(new OfsError('STORE_UNAVAILABLE', { message: 'profile store down' })) };
    await expect(resolveRunConfig(intent, { ...base, profiles: down })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
