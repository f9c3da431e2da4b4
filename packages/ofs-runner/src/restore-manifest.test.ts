import { draftReceiptKey, type ObjectStore, planIndexKey, type RunRecord } from '@ofs/contracts';
import { canonicalJson, sha256Hex, utf8 } from '@ofs/ids';
import { recordedManifestSha256, verifyDataset } from '@ofs/publish';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from './gc.js';
import { manifestHealth } from './manifest-health.js';
import { keysUnder, memoryWorld } from './test-support/memory-world.js';

async function built() {
  const world = await memoryWorld();
  const { run } = await world.corridor.submit(world.intent());
  const done = await world.corridor.runBuild(run.run_key);
  expect(done.state).toBe('DONE');
  const manifestKey = done.manifest_key!;
  const original = (await world.store.get(manifestKey))!;
  return { world, done, manifestKey, original };
}

async function replace(store: ObjectStore, key: string, bytes: Uint8Array): Promise<void> {
  await store.delete!(key);
  await store.putIfAbsent(key, bytes);
}

const gcOptions = (done?: RunRecord[]) => ({
  clock: { now: () => Date.now() + 48 * 3600_000 },
  ...(done ? { doneRuns: done } : {}),
});

describe('the manifest sha256 recorded at completion', () => {
  it('the run records the sha256 of the manifest bytes it published, and verify checks it against the ledger', async () => {
    const { world, done, manifestKey, original } = await built();
    expect(done.manifest_sha256).toBe(sha256Hex(original));
    const events = await world.ledger.events(done.run_key);
    expect(recordedManifestSha256({ ...done, manifest_sha256: null }, events)).toBe(sha256Hex(original));
    const report = await verifyDataset(manifestKey, { store: world.store, ledger: world.ledger });
    expect(report.ledger?.runs).toEqual([{ run_key: done.run_key, outcome: 'NEW', manifest_sha256: sha256Hex(original) }]);
    expect(report.notes).toEqual([]);
  });

  it('a consistent edit of the manifest and the by-plan index is caught through the recorded sha256', async () => {
    const { world, manifestKey, original } = await built();
    const manifest = JSON.parse(new TextDecoder().decode(original));
    manifest.rows_total -= 1;
    manifest.rows_digest = 'f'.repeat(64);
    const forged = utf8(canonicalJson(manifest));
    await replace(world.store, manifestKey, forged);
    const indexKey = planIndexKey(manifest.platform_run_id, manifest.plan_id);
    const index = JSON.parse(new TextDecoder().decode(await world.store.get(indexKey)));
    await replace(world.store, indexKey, utf8(canonicalJson({ ...index, manifest: { key: manifestKey, sha256: sha256Hex(forged) } })));
    // The store alone cannot tell (only the parts' rows count differs, which the forger could fix too)…
    const storeOnly = await verifyDataset(manifestKey, { store: world.store }).catch(
      (e: { details: { differences: { check: string }[] } }) => e,
    );
    expect(JSON.stringify(storeOnly)).not.toContain('index.manifest.sha256');
    const error = await verifyDataset(manifestKey, { store: world.store, ledger: world.ledger }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATASET_INTEGRITY_VIOLATION' });
    const checks = (error as { details: { differences: { check: string }[] } }).details.differences.map((d) => d.check);
    expect(checks).toContain('ledger.manifest_sha256');
  });
});

describe('a lost manifest', () => {
  it('status says MANIFEST_MISSING; gc keeps the run’s parts; retryPublish re-creates it byte-identically; verify passes again', async () => {
    const { world, done, manifestKey, original } = await built();
    const parts = await keysUnder(world.store, `${done.platform_run_id}/ofs/parts/`);
    expect(parts.length).toBeGreaterThan(0);
    await world.store.delete!(manifestKey);

    const health = await manifestHealth(world.store, done, await world.ledger.events(done.run_key));
    expect(health.error?.code).toBe('MANIFEST_MISSING');
    expect(health.manifest).toMatchObject({ key: manifestKey, present: false, recorded_sha256: sha256Hex(original) });
    await expect(verifyDataset(manifestKey, { store: world.store, ledger: world.ledger })).rejects.toMatchObject({
      code: 'MANIFEST_MISSING',
      details: { run_keys: [done.run_key] },
    });

    // Without the ledger's DONE runs (gc as it was), every part of the run is a deletion candidate…
    const blind = await collectGarbage(world.store, gcOptions());
    expect(blind.unreferenced.map((u) => u.key).sort()).toEqual(parts.sort());
    // …with them, none is, and the missing manifest is reported.
    const report = await collectGarbage(world.store, { ...gcOptions([done]), apply: true });
    expect(report.unreferenced).toEqual([]);
    expect(report.missing_manifests).toEqual([{ run_key: done.run_key, manifest_key: manifestKey }]);
    expect(await keysUnder(world.store, `${done.platform_run_id}/ofs/parts/`)).toEqual(parts);

    const after = await world.corridor.retryPublish(done.run_key);
    expect(after).toEqual(done);
    expect(await world.store.get(manifestKey)).toEqual(original);
    await expect(verifyDataset(manifestKey, { store: world.store, ledger: world.ledger })).resolves.toMatchObject({
      manifestSha256: sha256Hex(original),
    });
    expect(await world.corridor.restoreManifest(done.run_key)).toMatchObject({ restored: false, manifestSha256: sha256Hex(original) });
  });

  it('is re-created only from verified artifacts: a receipt changed since the build is refused and nothing is written', async () => {
    const { world, done, manifestKey } = await built();
    await world.store.delete!(manifestKey);
    const draftKey = draftReceiptKey(done.platform_run_id, done.plan_id!);
    const draft = JSON.parse(new TextDecoder().decode(await world.store.get(draftKey)));
    draft.immature_rows_included = !draft.immature_rows_included;
    await replace(world.store, draftKey, utf8(canonicalJson(draft)));
    await expect(world.corridor.restoreManifest(done.run_key)).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
    expect(await world.store.get(manifestKey)).toBeUndefined();
  });

  it('gc keeps every part of a platform run whose DONE run lost its draft receipt too', async () => {
    const { world, done, manifestKey } = await built();
    await world.store.delete!(manifestKey);
    await world.store.delete!(draftReceiptKey(done.platform_run_id, done.plan_id!));
    const report = await collectGarbage(world.store, { ...gcOptions([done]), apply: true });
    expect(report.kept_platform_runs).toEqual([done.platform_run_id]);
    expect(report.unreferenced).toEqual([]);
  });
});
