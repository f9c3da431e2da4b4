// Test helpers: SqlClients on PGlite and on the PostgreSQL server of OFS_TEST_PG_URL, and unique schemas.
import { PGlite } from '@electric-sql/pglite';
import { fromPgPool, fromPGlite, type SqlClient } from '@ofs/contracts';
import pg from 'pg';

/** A fresh schema name for one test store. */
export function uniqueSchema(): string {
  return `ofs_t_${Math.random().toString(36).slice(2, 10)}`;
}

/** An embedded PGlite database as a `SqlClient`, with a closer. */
export async function pgliteClient(): Promise<{ client: SqlClient; close: () => Promise<void> }> {
  const db = new PGlite();
  await db.waitReady;
  return { client: fromPGlite(db), close: () => db.close() };
}

/** A pool on `url` as a `SqlClient`; `close` drops every schema handed out by `schema()` and ends the pool. */
export function serverClient(url: string): { client: SqlClient; schema: () => string; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const schemas: string[] = [];
  return {
    client: fromPgPool(pool),
    schema() {
      const s = uniqueSchema();
      schemas.push(s);
      return s;
    },
    async close() {
      for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await pool.end();
    },
  };
}
