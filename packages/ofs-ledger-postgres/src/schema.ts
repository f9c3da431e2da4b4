import {
  type AbortOptions,
  applySqlMigrations,
  OfsError,
  type SqlClient,
  type SqlMigration,
  type SqlMigrationResult,
} from '@ofs/contracts';

/** Fully qualified, quoted table names of one ledger schema. */
export interface LedgerTables {
  readonly schema: string;
  readonly runs: string;
  readonly events: string;
  readonly meta: string;
  /** Shard tasks of fanned-out runs (migration 3). */
  readonly shards: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Quoted table names in `schema`; `LEDGER_ARGUMENT_INVALID` unless it is a plain SQL identifier. */
export function ledgerTables(schema: string): LedgerTables {
  if (!IDENTIFIER.test(schema)) {
    throw new OfsError('LEDGER_ARGUMENT_INVALID', { message: `schema must match ${IDENTIFIER}`, details: { schema } });
  }
  const q = `"${schema}"`;
  return {
    schema: q,
    runs: `${q}.ofs_runs`,
    events: `${q}.ofs_run_events`,
    meta: `${q}.ofs_ledger_schema`,
    shards: `${q}.ofs_shard_tasks`,
  };
}

/**
 * The ledger's forward-only migrations (DESIGN §12). Version 1 is the layout every release before
 * versioned migrations created (idempotent DDL, so such a database is adopted as version 1);
 * version 2 adds `not_before_ms` (requeue backoff, honoured by claims) and `manifest_sha256`
 * (the manifest digest `complete()` records); version 3 adds `ofs_shard_tasks` (a run fanned out
 * over worker processes, issue 17). Each also sets the legacy `ofs_ledger_schema` row,
 * so releases from before migrations refuse a database that moved past them.
 * Records and event details are stored as JSON text (`text`, not `jsonb`), so every string —
 * including U+0000 — round-trips exactly.
 */
export function ledgerMigrations(t: LedgerTables): readonly SqlMigration[] {
  return [
    {
      version: 1,
      name: 'runs_and_events',
      async up(tx) {
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
        await tx.query(`INSERT INTO ${t.meta} (component, version) VALUES ('ledger', 1) ON CONFLICT (component) DO NOTHING`);
        const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${t.meta} WHERE component = 'ledger'`);
        const found = Number(rows[0]?.version);
        if (found !== 1) {
          throw new OfsError('DATABASE_SCHEMA_TOO_NEW', {
            message: `ledger tables in ${t.schema} record layout version ${found} but no migrations; this code adopts only version 1`,
            details: { schema: t.schema, found, supported: 1 },
          });
        }
      },
    },
    {
      version: 2,
      name: 'not_before_and_manifest_sha256',
      async up(tx) {
        await tx.query(`ALTER TABLE ${t.runs} ADD COLUMN IF NOT EXISTS not_before_ms bigint`);
        await tx.query(`ALTER TABLE ${t.runs} ADD COLUMN IF NOT EXISTS manifest_sha256 text`);
        await tx.query(`UPDATE ${t.meta} SET version = 2 WHERE component = 'ledger'`);
      },
    },
    {
      version: 3,
      name: 'shard_tasks',
      async up(tx) {
        await tx.query(
          `CREATE TABLE IF NOT EXISTS ${t.shards} (
            run_key text COLLATE "C" NOT NULL,
            plan_id text COLLATE "C" NOT NULL,
            shard integer NOT NULL,
            fan_out_seq bigserial NOT NULL,
            state text NOT NULL,
            lease_token text,
            lease_expires_at_ms bigint,
            record text NOT NULL,
            PRIMARY KEY (run_key, plan_id, shard)
          )`,
        );
        await tx.query(`CREATE INDEX IF NOT EXISTS ofs_shard_tasks_claimable ON ${t.shards} (fan_out_seq, shard) WHERE state <> 'DONE'`);
        await tx.query(`UPDATE ${t.meta} SET version = 3 WHERE component = 'ledger'`);
      },
    },
  ];
}

/** The ledger's latest schema version (the number of its migrations). */
export const LEDGER_SCHEMA_VERSION = 3;

/**
 * Brings the ledger tables in `t.schema` to `LEDGER_SCHEMA_VERSION`: each pending migration once,
 * under a lock, safe from many processes at once (`applySqlMigrations`). A database migrated by a
 * newer release is refused with `DATABASE_SCHEMA_TOO_NEW`.
 */
export async function migrateLedgerSchema(client: SqlClient, t: LedgerTables, options?: AbortOptions): Promise<SqlMigrationResult> {
  return applySqlMigrations(client, { schema: t.schema, component: 'ledger', migrations: ledgerMigrations(t) }, options);
}
