import { describeLabelStoreContract } from '@ofs/contracts/testing';
import { afterAll, describe } from 'vitest';
import { createPostgresLabelStore } from './postgres-label-store.js';
import { serverClient } from './test-support.js';

const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/labels-postgres server tests skipped: set OFS_TEST_PG_URL');

describe.skipIf(!url)('PostgreSQL server', () => {
  const server = serverClient(url ?? 'postgres://unused');
  afterAll(() => server.close());
  describeLabelStoreContract('PostgreSQL server', async () => createPostgresLabelStore({ client: server.client, schema: server.schema() }));
});
