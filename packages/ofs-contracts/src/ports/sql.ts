import type { AbortOptions } from './common.js';

/** Rows returned by a query. */
export interface SqlResult<Row = Record<string, unknown>> {
  /** The rows, with column names as keys. */
  rows: Row[];
  /** Rows affected by INSERT/UPDATE/DELETE, when the driver reports it. */
  affectedRows?: number;
}

/** A connection that runs parameterised SQL (`$1`, `$2`, … placeholders, PostgreSQL dialect). */
export interface SqlQueryable {
  /** Runs one statement. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: AbortOptions): Promise<SqlResult<Row>>;
}

/**
 * The SQL port the `-postgres` adapters use: a query method plus transactions on one connection.
 * Build one with `fromPGlite(db)` or `fromPgPool(pool)`.
 */
export interface SqlClient extends SqlQueryable {
  /** Runs `fn` inside BEGIN … COMMIT on one connection; rolls back if `fn` throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: AbortOptions): Promise<T>;
  /** Releases resources owned by the client (not the pool or database passed in). */
  close?(): Promise<void>;
}
