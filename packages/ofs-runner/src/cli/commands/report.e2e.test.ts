import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../../test-support/cli-harness.js';

describe('ofs report after ofs demo', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-report-');
  afterAll(cleanup);
  const dir = join(root, 'demo');

  it('shows a GREEN run whose counts match the manifest, and writes facts and a reconciliation', async () => {
    const demo = await cli(['demo', '--dir', dir, '--events', '2000', '--json']);
    expect(demo.code).toBe(0);
    const manifestKey: string = demo.json().manifest_key;
    const inspect = await cli(['inspect', manifestKey, '--dir', dir, '--json']);
    expect(inspect.code).toBe(0);
    const manifest = inspect.json().manifest ?? inspect.json();

    const report = await cli(['report', '--dir', dir, '--platform-run', manifest.platform_run_id, '--json']);
    expect(report.code).toBe(0);
    const json = report.json();
    expect(json.health).toEqual({ state: 'GREEN', reasons: [] });
    expect(json.metrics).toMatchObject({
      build_requested: 2,
      build_completed: 2,
      build_failed: 0,
      datasets_built: 1,
      already_published: 1,
    });
    expect(json.metrics.datasets).toEqual({
      manifests: 1,
      rows_total: manifest.rows_total,
      bytes_total: manifest.bytes_total,
      parts: manifest.parts.length,
    });
    expect(json.datasets).toEqual([
      expect.objectContaining({ manifest_key: manifestKey, rows_total: manifest.rows_total, status_class: manifest.status_class }),
    ]);
    expect(json.metrics.evidence_refs.denied).toBe(0);
    expect(json.metrics.evidence_refs.attempted).toBeGreaterThan(0);

    const text = await cli(['report', '--dir', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('health: GREEN');
    expect(text.stdout).toContain(`${manifest.rows_total} rows in ${manifest.parts.length} parts`);

    const first = await cli(['report', '--dir', dir, '--platform-run', manifest.platform_run_id, '--write', '--json']);
    const again = await cli(['report', '--dir', dir, '--platform-run', manifest.platform_run_id, '--write', '--json']);
    expect(first.code).toBe(0);
    expect(first.json().written).toEqual([expect.objectContaining({ platform_run_id: manifest.platform_run_id, facts: 2 })]);
    expect(again.json().written).toEqual(first.json().written);
  });
});
