import { OfsError } from './errors.js';
import type { AbortOptions } from './ports/common.js';
import type { SqlClient, SqlQueryable } from './ports/sql.js';

/** One forward-only schema change of a SQL store. */
export interface SqlMigration {
  /** 1, 2, 3, … with no gaps; a database records the versions it has applied. */
  readonly version: number;
  /** A short name, recorded with the version (e.g. `runs_not_before`). */
  readonly name: string;
  /**
   * Applies the change inside the migration's transaction (the lock is held). Migration 1 must
   * be idempotent DDL (`IF NOT EXISTS`): it adopts databases created before migrations existed.
   */
  up(tx: SqlQueryable): Promise<void>;
}

/** What `applySqlMigrations` migrates. */
export interface SqlMigrationPlan {
  /** Quoted schema name (e.g. `"public"`) holding the store's tables and the migrations table. */
  readonly schema: string;
  /** Which store's migrations (`ledger`, `labels`): stores may share one schema and one migrations table. */
  readonly component: string;
  /** Every migration the code knows, ascending by version from 1. */
  readonly migrations: readonly SqlMigration[];
}

/** Result of `applySqlMigrations`. */
export interface SqlMigrationResult {
  /** The component's version before this call (0: no migration recorded). */
  readonly from: number;
  /** The component's version now (the code's latest). */
  readonly to: number;
  /** Versions this call applied, ascending (empty when another starter did it or nothing was due). */
  readonly applied: readonly number[];
}

/** The table (in the store's schema) that records applied migrations of every component. */
export const SQL_MIGRATIONS_TABLE = 'ofs_schema_migrations';

/**
 * Brings a store's tables to the code's latest version: applies each pending migration once, in
 * order, each in its own transaction under a transaction-scoped advisory lock on the schema, so
 * any number of concurrent starters (processes, pools, PGlite) apply each migration exactly once
 * and the losers see it done. A database whose recorded version is newer than the code knows is
 * refused with `DATABASE_SCHEMA_TOO_NEW` and left untouched.
 *
 * @example
 * await applySqlMigrations(client, { schema: '"public"', component: 'labels', migrations });
 */
export async function applySqlMigrations(client: SqlClient, plan: SqlMigrationPlan, options?: AbortOptions): Promise<SqlMigrationResult> {
  const latest = checkMigrations(plan.migrations);
  const table = `${plan.schema}.${SQL_MIGRATIONS_TABLE}`;
  const applied: number[] = [];
  let from: number | undefined;
  for (;;) {
    const done = await client.transaction(async (tx) => {
      // One lock per schema (not per component): stores sharing a schema also share this table.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ofs_migrations:${plan.schema}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${plan.schema}`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
          component text NOT NULL,
          version integer NOT NULL,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (component, version)
        )`,
      );
      const { rows } = await tx.query<{ v: number | string | null }>(`SELECT max(version) AS v FROM ${table} WHERE component = $1`, [
        plan.component,
      ]);
      const current = Number(rows[0]?.v ?? 0);
      from ??= current;
      if (current > latest) throw tooNew(plan, current, latest);
      if (current === latest) return true;
      const next = plan.migrations[current]!;
      await next.up(tx);
      await tx.query(`INSERT INTO ${table} (component, version, name) VALUES ($1, $2, $3)`, [plan.component, next.version, next.name]);
      applied.push(next.version);
      return false;
    }, options);
    if (done) return { from: from ?? latest, to: latest, applied };
  }
}

function tooNew(plan: SqlMigrationPlan, found: number, latest: number): OfsError {
  return new OfsError('DATABASE_SCHEMA_TOO_NEW', {
    message: `the ${plan.component} tables in ${plan.schema} are at schema version ${found}, newer than this code knows (${latest}); nothing was changed`,
    details: { component: plan.component, schema: plan.schema, found, supported: latest },
  });
}

function checkMigrations(migrations: readonly SqlMigration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new OfsError('INTERNAL_ERROR', { message: `migration versions must be 1, 2, 3, … without gaps; got ${m.version} at ${i}` });
    }
  });
  return migrations.length;
}
