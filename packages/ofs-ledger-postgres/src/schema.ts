import { OfsError, type SqlClient } from '@ofs/contracts';

/** The ledger's table layout version, recorded in `ofs_ledger_schema`. */
export const LEDGER_SCHEMA_VERSION = 1;

/** Fully qualified, quoted table names of one ledger schema. */
export interface LedgerTables {
  readonly schema: string;
  readonly runs: string;
  readonly events: string;
  readonly meta: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Quoted table names in `schema`; `LEDGER_ARGUMENT_INVALID` unless it is a plain SQL identifier. */
export function ledgerTables(schema: string): LedgerTables {
  if (!IDENTIFIER.test(schema)) {
    throw new OfsError('LEDGER_ARGUMENT_INVALID', { message: `schema must match ${IDENTIFIER}`, details: { schema } });
  }
  const q = `"${schema}"`;
  return { schema: q, runs: `${q}.ofs_runs`, events: `${q}.ofs_run_events`, meta: `${q}.ofs_ledger_schema` };
}

/**
 * Creates the ledger tables if absent and checks the recorded layout version. Idempotent and safe
 * to run from many processes at once (an advisory lock serialises concurrent migrations).
 * Records and event details are stored as JSON text (`text`, not `jsonb`), so every string —
 * including U+0000 — round-trips exactly.
 */
export async function migrateLedgerSchema(client: SqlClient, t: LedgerTables): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ofs_ledger:${t.schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.meta} (component text PRIMARY KEY, version integer NOT NULL)`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${t.runs} (
        run_key text COLLATE "C" PRIMARY KEY,
        submit_seq bigserial NOT NULL,
        request_id text NOT NULL,
        platform_run_id text COLLATE "C" NOT NULL,
        state text NOT NULL,
        version integer NOT NULL,
        lease_expires_at_ms bigint,
        created_at_ms bigint NOT NULL,
        last_event_seq integer NOT NULL,
        record text NOT NULL
      )`,
    );
    await tx.query(
      `CREATE INDEX IF NOT EXISTS ofs_runs_claimable ON ${t.runs} (created_at_ms, submit_seq)
        WHERE state IN ('QUEUED', 'RUNNING', 'PUBLISH_PENDING')`,
    );
    await tx.query(`CREATE INDEX IF NOT EXISTS ofs_runs_by_platform ON ${t.runs} (platform_run_id, run_key)`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${t.events} (
        run_key text COLLATE "C" NOT NULL,
        seq integer NOT NULL,
        type text NOT NULL,
        from_state text,
        to_state text NOT NULL,
        at_ms bigint NOT NULL,
        worker text,
        details text NOT NULL,
        PRIMARY KEY (run_key, seq)
      )`,
    );
    await tx.query(`INSERT INTO ${t.meta} (component, version) VALUES ('ledger', $1) ON CONFLICT (component) DO NOTHING`, [
      LEDGER_SCHEMA_VERSION,
    ]);
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${t.meta} WHERE component = 'ledger'`);
    const found = Number(rows[0]?.version);
    if (found !== LEDGER_SCHEMA_VERSION) {
      throw new OfsError('LEDGER_UNAVAILABLE', {
        message: `ledger tables in ${t.schema} have layout version ${found}; this package reads version ${LEDGER_SCHEMA_VERSION}`,
        details: { schema: t.schema, found, expected: LEDGER_SCHEMA_VERSION },
        retryable: false,
      });
    }
  });
}
