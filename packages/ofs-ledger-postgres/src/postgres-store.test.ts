import { PGlite } from '@electric-sql/pglite';
import { fromPGlite, fromPgPool, isOfsError, type SqlClient } from '@ofs/contracts';
import { describeLedgerStoreContract, sampleRunRecord } from '@ofs/contracts/testing';
import { describeLedgerBehaviour } from '@ofs/ledger/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresLedgerStore } from './postgres-store.js';

const schemaName = (): string => `ofs_t_${Math.random().toString(36).slice(2, 10)}`;

// ── PGlite (embedded): one in-process database, a fresh schema per store ───────────────────
const lite = new PGlite();
afterAll(() => lite.close());
const makeLite = async () => createPostgresLedgerStore({ client: fromPGlite(lite), schema: schemaName() });
describeLedgerStoreContract('PGlite', makeLite);
describeLedgerBehaviour('PGlite', makeLite);

describe('PostgreSQL ledger store: PGlite specifics', () => {
  it('migrates idempotently and records the layout version', async () => {
    const client = fromPGlite(lite);
    const schema = schemaName();
    const store = createPostgresLedgerStore({ client, schema });
    await store.migrate();
    await store.migrate();
    await createPostgresLedgerStore({ client, schema }).migrate();
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM "${schema}".ofs_ledger_schema WHERE component = 'ledger'`,
    );
    expect(rows.map((r) => Number(r.version))).toEqual([3]);
  });

  it('round-trips U+0000 and astral characters in records and event details', async () => {
    const store = await makeLite();
    const run = sampleRunRecord('nul', { backfill_reason: 'a\u0000b 😀' });
    await store.create(run, [
      { type: 'SUBMITTED', from_state: null, to_state: 'QUEUED', at_ms: 1, worker: null, details: { text: 'x\u0000y' } },
    ]);
    expect(await store.get('nul')).toEqual(run);
    expect((await store.events('nul'))[0]?.details).toEqual({ text: 'x\u0000y' });
  });

  it('refuses a schema name that is not a plain identifier', () => {
    let caught: unknown;
    try {
      createPostgresLedgerStore({ client: fromPGlite(lite), schema: 'x"; DROP TABLE y; --' });
    } catch (error) {
      caught = error;
    }
    expect(isOfsError(caught, 'LEDGER_ARGUMENT_INVALID')).toBe(true);
  });

  it('surfaces database failures as retryable LEDGER_UNAVAILABLE, never raw', async () => {
    const db = new PGlite();
    const store = createPostgresLedgerStore({ client: fromPGlite(db) });
    await store.migrate();
    await db.close();
    let caught: unknown;
    try {
      await store.get('x');
    } catch (error) {
      caught = error;
    }
    expect(isOfsError(caught, 'LEDGER_UNAVAILABLE')).toBe(true);
    expect((caught as { retryable: boolean }).retryable).toBe(true);
  });
});

// ── PostgreSQL server: one schema per store, dropped afterwards ─────────────────────────────
const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/ledger-postgres server tests skipped: set OFS_TEST_PG_URL');

describe.skipIf(!url)('PostgreSQL server', () => {
  const pool = url ? new pg.Pool({ connectionString: url, max: 8 }) : undefined;
  const client: SqlClient | undefined = pool ? fromPgPool(pool) : undefined;
  const schemas: string[] = [];
  const make = async () => {
    const schema = schemaName();
    schemas.push(schema);
    return createPostgresLedgerStore({ client: client!, schema });
  };
  afterAll(async () => {
    for (const schema of schemas) await client!.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  describeLedgerStoreContract('PostgreSQL server', make);
  describeLedgerBehaviour('PostgreSQL server', make);

  it('migrates concurrently from many stores without errors', async () => {
    const schema = schemaName();
    schemas.push(schema);
    await Promise.all(Array.from({ length: 6 }, () => createPostgresLedgerStore({ client: client!, schema }).migrate()));
    const { rows } = await client!.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".ofs_ledger_schema`);
    expect(Number(rows[0]?.n)).toBe(1);
  });

  it('maps an unreachable server to retryable LEDGER_UNAVAILABLE', async () => {
    const dead = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 2_000 });
    const store = createPostgresLedgerStore({ client: fromPgPool(dead), schema: schemaName() });
    let caught: unknown;
    try {
      await store.get('x');
    } catch (error) {
      caught = error;
    }
    await dead.end();
    expect(isOfsError(caught, 'LEDGER_UNAVAILABLE')).toBe(true);
    expect((caught as { retryable: boolean }).retryable).toBe(true);
  });
});
