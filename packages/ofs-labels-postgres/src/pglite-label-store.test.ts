import { describeLabelStoreContract } from '@ofs/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresLabelStore } from './postgres-label-store.js';
import { pgliteClient, uniqueSchema } from './test-support.js';

let db: Awaited<ReturnType<typeof pgliteClient>>;
beforeAll(async () => {
  db = await pgliteClient();
});
afterAll(async () => {
  await db.close();
});

describeLabelStoreContract('PGlite', async () => createPostgresLabelStore({ client: db.client, schema: uniqueSchema() }));

describe('createPostgresLabelStore on PGlite', () => {
  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => createPostgresLabelStore({ client: db.client, schema: 'x"; DROP TABLE y; --' })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID' }),
    );
  });

  it('answers a batch with one query, whatever the number of subjects', async () => {
    let queries = 0;
    const counting = {
      ...db.client,
      query: (async (text: string, params?: readonly unknown[], o?: { signal?: AbortSignal }) => {
        queries++;
        return db.client.query(text, params, o);
      }) as typeof db.client.query,
    };
    const store = createPostgresLabelStore({ client: counting, schema: uniqueSchema() });
    await store.stateMarker(); // creates the table
    queries = 0;
    const subjects = Array.from({ length: 500 }, (_, i) => ({ platform_run_id: 'platform_x', event_id: `e${i}` }));
    for await (const _ of store.timelines(subjects, ['a', 'b'])) {
      // nothing stored
    }
    expect(queries).toBe(1);
  });
});
