import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { corridorLayout, createDefaultCorridor } from '../default-corridor.js';
import { demoPolicy } from '../demo/fixtures.js';
import { type DemoMarker, writeDemoConfig, writeDemoData } from '../demo/setup.js';

/** The PostgreSQL server of multi-process tests, or `undefined` (tests skip visibly). */
export const PG_URL = process.env.OFS_TEST_PG_URL;

/** A fresh schema prefix for one test file. */
export function uniquePrefix(): string {
  return `ofs_t_${randomBytes(5).toString('hex')}`;
}

/** Drops the schemas a corridor with `prefix` created. */
export async function dropSchemas(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${prefix}_ledger CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${prefix}_labels CASCADE`);
  } finally {
    await client.end();
  }
}

/** Generates a demo corridor directory (data only, nothing built) with its database on the server. */
export async function setupDemoDir(
  dir: string,
  options: { events: number; url: string; prefix: string; partRows?: number; crossPartitionDuplicates?: number },
): Promise<DemoMarker> {
  const layout = corridorLayout(dir);
  await mkdir(layout.dir, { recursive: true });
  await writeDemoConfig(layout);
  if (options.partRows !== undefined) {
    await writeFile(join(layout.dir, 'policy.json'), JSON.stringify({ ...demoPolicy(), part_rows: options.partRows }));
  }
  const corridor = await createDefaultCorridor({ dir, databaseUrl: options.url, databaseSchemaPrefix: options.prefix });
  try {
    return await writeDemoData(
      dir,
      { store: corridor.store, labels: corridor.labels, codeReleaseId: corridor.pins.codeReleaseId },
      {
        events: options.events,
        seed: 7,
        ...(options.crossPartitionDuplicates ? { crossPartitionDuplicates: options.crossPartitionDuplicates } : {}),
      },
    );
  } finally {
    await corridor.close();
  }
}
