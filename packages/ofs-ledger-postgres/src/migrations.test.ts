import { PGlite } from '@electric-sql/pglite';
import { fromPGlite, fromPgPool, isOfsError, type SqlClient } from '@ofs/contracts';
import { sampleRunRecord } from '@ofs/contracts/testing';
import { createLedger } from '@ofs/ledger';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ledgerDdlV1 } from './fixtures/ledger-ddl-v1.js';
import { createPostgresLedgerStore } from './postgres-store.js';
import { LEDGER_SCHEMA_VERSION } from './schema.js';

const schemaName = (): string => `ofs_m_${Math.random().toString(36).slice(2, 10)}`;

/** A database as the release before migrations left it: v1 tables, one QUEUED and one DONE run with events. */
async function seedV1(client: SqlClient, schema: string): Promise<void> {
  for (const statement of ledgerDdlV1(schema)) await client.query(statement);
  const runs = [sampleRunRecord('old-queued', { created_at_ms: 1 }), sampleRunRecord('old-done', { state: 'DONE', created_at_ms: 2 })];
  for (const run of runs) {
    await client.query(
      `INSERT INTO "${schema}".ofs_runs (run_key, request_id, platform_run_id, state, version, lease_expires_at_ms, created_at_ms, last_event_seq, record)
       VALUES ($1, $2, $3, $4, $5, NULL, $6, 1, $7)`,
      [run.run_key, run.request_id, run.platform_run_id, run.state, run.version, run.created_at_ms, JSON.stringify(run)],
    );
    await client.query(
      `INSERT INTO "${schema}".ofs_run_events (run_key, seq, type, from_state, to_state, at_ms, worker, details)
       VALUES ($1, 1, 'SUBMITTED', NULL, 'QUEUED', 1, NULL, '{"n":1}')`,
      [run.run_key],
    );
  }
}

async function migrations(client: SqlClient, schema: string): Promise<number[]> {
  const { rows } = await client.query<{ version: number }>(
    `SELECT version FROM "${schema}".ofs_schema_migrations WHERE component = 'ledger' ORDER BY version`,
  );
  return rows.map((r) => Number(r.version));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
  return 'resolved';
}

function describeMigrations(name: string, client: () => SqlClient, track: (schema: string) => void): void {
  describe(`ledger migrations: ${name}`, () => {
    const fresh = () => {
      const schema = schemaName();
      track(schema);
      return schema;
    };

    it('creates a new database at the latest version, each migration recorded once', async () => {
      const schema = fresh();
      await createPostgresLedgerStore({ client: client(), schema }).migrate();
      await createPostgresLedgerStore({ client: client(), schema }).migrate();
      expect(await migrations(client(), schema)).toEqual([1, 2, 3]);
      expect(LEDGER_SCHEMA_VERSION).toBe(3);
    });

    it('adopts a database created by the schema before migrations and keeps its runs and events', async () => {
      const schema = fresh();
      await seedV1(client(), schema);
      const store = createPostgresLedgerStore({ client: client(), schema });
      expect(await store.get('old-done')).toEqual(sampleRunRecord('old-done', { state: 'DONE', created_at_ms: 2 }));
      expect(await migrations(client(), schema)).toEqual([1, 2, 3]);
      const legacy = await client().query<{ version: number }>(`SELECT version FROM "${schema}".ofs_ledger_schema`);
      expect(legacy.rows.map((r) => Number(r.version))).toEqual([3]);
      expect((await store.events('old-queued')).map((e) => [e.seq, e.type])).toEqual([[1, 'SUBMITTED']]);
      // The upgraded database works end to end: claim the old run, complete it with a manifest digest.
      let now = 1_000;
      const ledger = createLedger({ store, clock: { now: () => now }, policy: { max_full_run_attempts: 3, max_publish_retries: 3 } });
      const claimed = await ledger.claim({ worker: 'w', leaseMs: 1_000 });
      expect(claimed?.run.run_key).toBe('old-queued');
      now += 10;
      const done = await ledger.complete('old-queued', claimed!.lease.token, {
        outcome: 'NEW',
        manifestKey: 'p/ofs/manifests/dm_1.json',
        statusClass: 'COMPLETE_SUCCESS',
        manifestSha256: 'b'.repeat(64),
      });
      expect(done.manifest_sha256).toBe('b'.repeat(64));
      const column = await client().query<{ manifest_sha256: string }>(
        `SELECT manifest_sha256 FROM "${schema}".ofs_runs WHERE run_key = 'old-queued'`,
      );
      expect(column.rows[0]?.manifest_sha256).toBe('b'.repeat(64));
      expect((await ledger.events('old-queued')).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('applies each migration once under many concurrent starters, on a new and on an old database', async () => {
      for (const seed of [false, true]) {
        const schema = fresh();
        if (seed) await seedV1(client(), schema);
        const results = await Promise.all(
          Array.from({ length: 6 }, () => createPostgresLedgerStore({ client: client(), schema }).migrate()),
        );
        expect(results).toHaveLength(6);
        expect(await migrations(client(), schema)).toEqual([1, 2, 3]);
        if (seed)
          expect((await createPostgresLedgerStore({ client: client(), schema }).list({})).map((r) => r.run_key)).toEqual([
            'old-done',
            'old-queued',
          ]);
      }
    });

    it('refuses a database migrated by a newer release, untouched, with DATABASE_SCHEMA_TOO_NEW', async () => {
      const schema = fresh();
      await createPostgresLedgerStore({ client: client(), schema }).migrate();
      await client().query(
        `INSERT INTO "${schema}".ofs_schema_migrations (component, version, name) VALUES ('ledger', 4, 'from_the_future')`,
      );
      const store = createPostgresLedgerStore({ client: client(), schema });
      expect(await codeOf(store.migrate())).toBe('DATABASE_SCHEMA_TOO_NEW');
      expect(await codeOf(store.get('x'))).toBe('DATABASE_SCHEMA_TOO_NEW');
      expect(await migrations(client(), schema)).toEqual([1, 2, 3, 4]);
    });

    it('refuses a pre-migration database whose legacy layout row is not 1', async () => {
      const schema = fresh();
      for (const statement of ledgerDdlV1(schema)) await client().query(statement);
      await client().query(`UPDATE "${schema}".ofs_ledger_schema SET version = 7`);
      expect(await codeOf(createPostgresLedgerStore({ client: client(), schema }).migrate())).toBe('DATABASE_SCHEMA_TOO_NEW');
    });
  });
}

// ── PGlite ───────────────────────────────────────────────────────────────────
const lite = new PGlite();
afterAll(() => lite.close());
describeMigrations(
  'PGlite',
  () => fromPGlite(lite),
  () => {},
);

// ── PostgreSQL server ────────────────────────────────────────────────────────
const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/ledger-postgres server migration tests skipped: set OFS_TEST_PG_URL');
const pool = url ? new pg.Pool({ connectionString: url, max: 8 }) : undefined;
const serverSchemas: string[] = [];
afterAll(async () => {
  if (!pool) return;
  for (const schema of serverSchemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});
describe.skipIf(!pool)('server', () => {
  describeMigrations(
    'PostgreSQL server',
    () => fromPgPool(pool!),
    (schema) => serverSchemas.push(schema),
  );
});
