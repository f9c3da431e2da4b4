import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './test-support/cli-harness.js';

describe('ofs demo publishes Parquet that tools read back', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-parquet-');
  afterAll(cleanup);
  const dirA = join(root, 'a');
  const dirB = join(root, 'b');
  let demo: any;
  let manifest: any;

  it('two demos in separate directories produce byte-identical Parquet parts and manifest', async () => {
    const a = await cli(['demo', '--dir', dirA, '--events', '2000', '--json']);
    if (a.code !== 0) console.error(a.stderr, a.stdout);
    expect(a.code).toBe(0);
    const b = await cli(['demo', '--dir', dirB, '--events', '2000', '--json']);
    expect(b.code).toBe(0);
    demo = a.json();
    expect(b.json().manifest_key).toBe(demo.manifest_key);
    const manifestA = await readFile(join(dirA, 'store', demo.manifest_key));
    expect(await readFile(join(dirB, 'store', demo.manifest_key))).toEqual(manifestA);
    manifest = JSON.parse(manifestA.toString('utf8'));
    expect(manifest).toMatchObject({
      schema_version: 'learning.dataset_manifest.v2',
      part_format: { format: 'parquet', compression: 'zstd' },
    });
    expect(manifest.columns.find((c: any) => c.name === 'amount')).toMatchObject({ type: 'decimal', precision: 18, scale: 2 });
    for (const part of manifest.parts) {
      expect(part.key).toMatch(/\.parquet$/);
      expect(await readFile(join(dirB, 'store', part.key))).toEqual(await readFile(join(dirA, 'store', part.key)));
    }
  });

  it('`ofs parts` lists the part files; DuckDB reads them to the rows `ofs rows` prints', async () => {
    const parts = await cli(['parts', demo.manifest_key, '--dir', dirA]);
    expect(parts.code).toBe(0);
    const paths = parts.stdout.trim().split('\n');
    const listed = await cli(['parts', demo.manifest_key, '--dir', dirA, '--json']);
    expect(listed.json()).toMatchObject({ format: 'parquet', rows_total: demo.manifest.rows_total });
    expect(listed.json().parts.map((p: any) => p.path)).toEqual(paths);

    const rows = await cli(['rows', demo.manifest_key, '--dir', dirA]);
    expect(rows.code).toBe(0);
    const ours = rows.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ours).toHaveLength(demo.manifest.rows_total);

    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await con.runAndReadAll(
      `select event_id, amount::varchar, card_amount_sum_24h::varchar, card_txn_count_24h, label_is_fraud
       from read_parquet([${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')}])`,
    );
    const theirs = reader.getRowsJS().map(([id, amount, sum, count, label]) => ({ id, amount, sum, count: Number(count), label }));
    expect(theirs).toEqual(
      ours.map((r) => ({
        id: r.event_id,
        amount: r.amount,
        sum: r.card_amount_sum_24h,
        count: r.card_txn_count_24h,
        label: r.label_is_fraud,
      })),
    );
    con.closeSync();

    const csv = await cli(['rows', demo.manifest_key, '--dir', dirA, '--limit', '2', '--format', 'csv']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]?.split(',')).toEqual(manifest.columns.map((c: any) => c.name));
  });
});
