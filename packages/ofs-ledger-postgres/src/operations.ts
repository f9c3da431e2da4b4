import { type AbortOptions, isOfsError, OfsError, type SqlClient, throwIfAborted } from '@ofs/contracts';
import { type LedgerTables, migrateLedgerSchema } from './schema.js';

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Every driver failure becomes a retryable `LEDGER_UNAVAILABLE`; an `OfsError` passes through. */
export function toLedgerError(error: unknown, what: string): OfsError {
  if (isOfsError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new OfsError('LEDGER_UNAVAILABLE', {
    message: `ledger ${what} failed: ${text}`,
    cause: error,
    details: { operation: what, sqlstate: sqlState(error) ?? null },
  });
}

/**
 * The ledger schema's `migrate` and a `run` that migrates once (lazily, retried after a failure)
 * before an operation and maps its failures with `toLedgerError`; shared by the run and shard-task stores.
 */
export function ledgerOperations(client: SqlClient, t: LedgerTables) {
  let ready: Promise<void> | undefined;
  const migrate = async (options?: AbortOptions): Promise<void> => {
    throwIfAborted(options?.signal);
    try {
      await migrateLedgerSchema(client, t, options);
    } catch (error) {
      throw toLedgerError(error, 'migrate');
    }
  };
  const run = async <T>(what: string, options: AbortOptions | undefined, fn: () => Promise<T>): Promise<T> => {
    throwIfAborted(options?.signal);
    ready ??= migrate().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    await ready;
    try {
      return await fn();
    } catch (error) {
      throw toLedgerError(error, what);
    }
  };
  return { migrate, run };
}
