import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultCorridor } from './default-corridor.js';
import { DEMO_LABEL_ASOF_UTC, DEMO_LABEL_TYPE, DEMO_PLATFORM_RUN_ID } from './demo/generate.js';
import { cli, tempDir } from './test-support/cli-harness.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('ofs rebuild on the demo (fs store + PGlite)', async () => {
  const { dir: root, cleanup } = await tempDir();
  afterAll(cleanup);
  const dir = join(root, 'demo');

  it('says IDENTICAL for the demo, DIVERGED after a label observed before the cutoff is appended, and names an unresolvable pin', {
    timeout: 300_000,
  }, async () => {
    const demo = await cli(['demo', '--dir', dir, '--events', '1500', '--json']);
    if (demo.code !== 0) console.error(demo.stderr);
    expect(demo.code).toBe(0);
    const manifestKey = demo.json().manifest_key as string;
    const storeDir = join(dir, 'store');
    const before = await filesUnder(storeDir);
    const manifestBytes = await readFile(join(storeDir, manifestKey));

    const same = await cli(['rebuild', manifestKey, '--dir', dir, '--json']);
    if (same.code !== 0) console.error(same.stderr, same.stdout);
    expect(same.code).toBe(0);
    const identical = same.json();
    expect(identical).toMatchObject({ verdict: 'IDENTICAL', manifest_key: manifestKey, first_difference: null });
    expect(identical.inputs).toMatchObject({ replay: { changed: false }, labels: { changed: false }, profile: { changed: false } });
    expect(identical.rebuilt.rows_digest).toBe(identical.original.rows_digest);

    // A label for the first published row, observed before the cutoff, appended after publication.
    // The demo's parts are Parquet: the first row through `ofs rows`.
    const firstRow = JSON.parse((await cli(['rows', manifestKey, '--dir', dir, '--limit', '1'])).stdout.split('\n')[0]!);
    const corridor = await createDefaultCorridor({ dir });
    try {
      await corridor.labels.append([
        {
          platform_run_id: DEMO_PLATFORM_RUN_ID,
          event_id: firstRow.event_id,
          label_type: DEMO_LABEL_TYPE,
          value: 'FRAUD_CONFIRMED_LATE',
          effective_time: DEMO_LABEL_ASOF_UTC,
          observed_time: DEMO_LABEL_ASOF_UTC,
          assertion_id: 'la_forensic_test_1',
        },
      ]);
    } finally {
      await corridor.close();
    }

    const diverged = await cli(['rebuild', manifestKey, '--dir', dir, '--json']);
    if (diverged.code !== 1) console.error(diverged.stderr, diverged.stdout);
    expect(diverged.code).toBe(1);
    const result = diverged.json();
    expect(result.verdict).toBe('DIVERGED');
    expect(result.first_difference).toMatchObject({ part_index: 0, row_in_part: 0, row_index: 0, event_id: firstRow.event_id });
    expect(result.first_difference.rebuilt_row).toContain('FRAUD_CONFIRMED_LATE');
    expect(result.first_difference.original_row).not.toContain('FRAUD_CONFIRMED_LATE');
    expect(result.inputs.labels.changed).toBe(true);
    expect(result.inputs.labels.rebuilt_state_marker).not.toBe(result.inputs.labels.original_state_marker);
    expect(result.inputs.replay.changed).toBe(false);
    const text = await cli(['rebuild', manifestKey, '--dir', dir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^DIVERGED: /);
    expect(text.stdout).toContain('label store CHANGED');

    // Nothing was published over: the store holds the same files, the manifest the same bytes.
    expect(await filesUnder(storeDir)).toEqual(before);
    expect(await readFile(join(storeDir, manifestKey))).toEqual(manifestBytes);
    expect(await readdir(join(dir, 'scratch'))).toEqual([]);

    // The profile version is gone: a clear code naming the pin.
    await rename(join(dir, 'profiles', 'fraud-demo', 'v2.json'), join(dir, 'profiles', 'fraud-demo', 'v2.json.gone'));
    const gone = await cli(['rebuild', manifestKey, '--dir', dir, '--json']);
    expect(gone.code).toBe(3);
    expect(gone.json().error).toMatchObject({ code: 'REBUILD_PIN_UNRESOLVED', details: { pin: 'feature_profile' } });
  });
});
