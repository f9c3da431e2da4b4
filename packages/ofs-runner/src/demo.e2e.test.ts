import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './test-support/cli-harness.js';

describe('ofs CLI on the embedded default (fs store + PGlite)', async () => {
  const { dir: root, cleanup } = await tempDir();
  afterAll(cleanup);
  const dir = join(root, 'demo');
  let demo: any;

  it('demo: generates, builds, converges a second request id on the same manifest, and verifies', async () => {
    const result = await cli(['demo', '--dir', dir, '--events', '3000', '--json']);
    if (result.code !== 0) console.error(result.stderr, result.stdout);
    expect(result.code).toBe(0);
    demo = result.json();
    expect(demo.runs.build).toMatchObject({ state: 'DONE', outcome: 'NEW', status_class: 'COMPLETE_SUCCESS' });
    expect(demo.runs.repeat.run_key).toBe(demo.runs.build.run_key);
    expect(demo.runs.same_meaning).toMatchObject({ state: 'DONE', outcome: 'ALREADY_PUBLISHED', manifest_key: demo.manifest_key });
    expect(demo.verified).toBe(true);
    // The generated sample exercises the corridor: cutover, duplicates, late and conflicting labels.
    expect(demo.replay.slices.some((s: any) => s.mode === 'ARCHIVE_THEN_EB')).toBe(true);
    expect(demo.replay.counts.from_archive).toBeGreaterThan(0);
    expect(demo.draft.duplicates_dropped).toBeGreaterThan(0);
    expect(demo.generated.counts.late_label_assertions).toBeGreaterThan(0);
    expect(demo.labels.counts.conflicts).toBeGreaterThan(0);
  });

  it('demo again on the same directory reuses the data and converges on the same manifest', async () => {
    const result = await cli(['demo', '--dir', dir, '--events', '3000', '--json']);
    expect(result.code).toBe(0);
    expect(result.json().manifest_key).toBe(demo.manifest_key);
    const other = await cli(['demo', '--dir', dir, '--events', '4000']);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/^CORRIDOR_CONFIG_INVALID: .*\n {2}fix: /);
  });

  it('status, inspect, plan, build and verify report the published dataset', async () => {
    const status = await cli(['status', demo.runs.build.run_key, '--dir', dir, '--json']);
    expect(status.code).toBe(0);
    expect(status.json().events.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['SUBMITTED', 'CLAIMED', 'STAGE', 'EVIDENCE_REF', 'COMPLETED']),
    );

    const inspect = await cli(['inspect', demo.manifest_key, '--dir', dir]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain(`status class COMPLETE_SUCCESS`);

    const plan = await cli(['plan', join(dir, 'intents/build.json'), '--dir', dir, '--json']);
    expect(plan.code).toBe(0);
    expect(plan.json()).toMatchObject({ publishedManifestKey: demo.manifest_key, feasibility: { status: 'FEASIBLE_REQUIRES_ARCHIVE' } });

    const build = await cli(['build', 'intents/build-same-meaning.json', '--dir', dir, '--json'], { cwd: dir });
    expect(build.code).toBe(0);
    expect(build.json().run).toMatchObject({ state: 'DONE', manifest_key: demo.manifest_key });

    const gc = await cli(['gc', '--dir', dir, '--json']);
    expect(gc.code).toBe(0);
    expect(gc.json().unreferenced).toEqual([]);

    const verify = await cli(['verify', join(dir, 'store', demo.manifest_key), '--dir', dir, '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true, rows_read: demo.manifest.rows_total });
  });

  it('usage and input errors: documented exit codes, `CODE: message` plus a fix', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^CLI_ARGUMENT_INVALID: unknown command "frobnicate"/);
    const missing = await cli(['build', '--dir', dir]);
    expect(missing.code).toBe(2);
    const badOption = await cli(['worker', '--dir', dir, '--lease-ms', 'soon']);
    expect(badOption.code).toBe(2);
    const noCorridor = await cli(['status', 'abc', '--dir', join(root, 'nowhere'), '--json']);
    expect(noCorridor.code).toBe(3);
    expect(noCorridor.json().error.code).toBe('CORRIDOR_CONFIG_INVALID');
    const notFound = await cli(['status', 'ffffffffffffffffffffffffffffffff', '--dir', dir]);
    expect(notFound.code).toBe(3);
    expect(notFound.stderr).toMatch(/^RUN_NOT_FOUND: .*\n {2}fix: /);
    const help = await cli(['help', 'worker']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--once');
  });

  it('verify exits 1 when a published part no longer matches its digest', async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'store', demo.manifest_key), 'utf8'));
    const part = join(dir, 'store', manifest.parts[0].key);
    const bytes = await readFile(part);
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0x01, bytes.length >> 1); // one bit of a (Parquet) part
    await chmod(part, 0o644);
    await writeFile(part, bytes);
    const verify = await cli(['verify', demo.manifest_key, '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/^DATASET_INTEGRITY_VIOLATION: /);
  });
});
