import { OfsError } from './errors.js';
import type { AbortOptions } from './ports/common.js';
import type { SqlClient, SqlQueryable, SqlResult } from './ports/sql.js';

/** The part of a PGlite instance `fromPGlite` uses (structural, so no runtime dependency). */
export interface PGliteLike {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
  transaction<T>(
    fn: (tx: { query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }> }) => Promise<T>,
  ): Promise<T>;
}

/** The part of a `pg` pool client `fromPgPool` uses. */
export interface PgClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}

/** The part of a `pg` Pool `fromPgPool` uses. */
export interface PgPoolLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  connect(): Promise<PgClientLike>;
}

function checkSignal(options: AbortOptions | undefined): void {
  if (options?.signal?.aborted) throw new OfsError('ABORTED', { message: 'query aborted', cause: options.signal.reason });
}

/**
 * Adapts a PGlite database (embedded PostgreSQL) to the `SqlClient` port. PGlite runs one
 * connection, so transactions are serialised by PGlite itself.
 */
export function fromPGlite(db: PGliteLike): SqlClient {
  const wrap = (q: PGliteLike | Parameters<Parameters<PGliteLike['transaction']>[0]>[0]): SqlQueryable => ({
    async query<Row>(text: string, params: readonly unknown[] = [], options?: AbortOptions): Promise<SqlResult<Row>> {
      checkSignal(options);
      const result = await q.query<Row>(text, [...params]);
      return { rows: result.rows, ...(result.affectedRows === undefined ? {} : { affectedRows: result.affectedRows }) };
    },
  });
  const direct = wrap(db);
  return {
    query: direct.query,
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: AbortOptions): Promise<T> {
      checkSignal(options);
      return db.transaction((tx) => fn(wrap(tx)));
    },
  };
}

/**
 * Adapts a `pg` Pool (PostgreSQL server) to the `SqlClient` port. Plain queries use the pool;
 * each transaction runs BEGIN … COMMIT on one connection taken with `connect()`.
 */
export function fromPgPool(pool: PgPoolLike): SqlClient {
  const toResult = <Row>(r: { rows: unknown[]; rowCount: number | null }): SqlResult<Row> => ({
    rows: r.rows as Row[],
    ...(r.rowCount === null ? {} : { affectedRows: r.rowCount }),
  });
  return {
    async query<Row>(text: string, params: readonly unknown[] = [], options?: AbortOptions): Promise<SqlResult<Row>> {
      checkSignal(options);
      return toResult<Row>(await pool.query(text, [...params]));
    },
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: AbortOptions): Promise<T> {
      checkSignal(options);
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const tx: SqlQueryable = {
          async query<Row>(text: string, params: readonly unknown[] = [], o?: AbortOptions): Promise<SqlResult<Row>> {
            checkSignal(o);
            return toResult<Row>(await client.query(text, [...params]));
          },
        };
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        client.release(broken ?? false);
      }
    },
  };
}
