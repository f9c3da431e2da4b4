import { PGlite } from '@electric-sql/pglite';
import { fromPGlite, fromPgPool } from '@ofs/contracts';
import { describeShardTaskStoreContract } from '@ofs/contracts/testing';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { createPostgresShardTaskStore } from './postgres-shard-tasks.js';

const schemaName = (): string => `ofs_s_${Math.random().toString(36).slice(2, 10)}`;

const lite = new PGlite();
afterAll(() => lite.close());
describeShardTaskStoreContract('PGlite', async () => createPostgresShardTaskStore({ client: fromPGlite(lite), schema: schemaName() }));

const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/ledger-postgres server shard-task tests skipped: set OFS_TEST_PG_URL');
describe.skipIf(!url)('PostgreSQL server', () => {
  const pool = url ? new pg.Pool({ connectionString: url, max: 8 }) : undefined;
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });
  describeShardTaskStoreContract('PostgreSQL server', async () => {
    const schema = schemaName();
    schemas.push(schema);
    return createPostgresShardTaskStore({ client: fromPgPool(pool!), schema });
  });
});
