export { createPostgresLedgerStore, type PostgresLedgerStore, type PostgresLedgerStoreOptions } from './postgres-store.js';
export { LEDGER_SCHEMA_VERSION, ledgerMigrations, ledgerTables, migrateLedgerSchema, type LedgerTables } from './schema.js';
// The SqlClient adapters live in @ofs/contracts (decision D3); re-exported for convenience.
export { fromPGlite, fromPgPool, type PGliteLike, type PgPoolLike, type PgClientLike } from '@ofs/contracts';
export { createPostgresShardTaskStore, type PostgresShardTaskStoreOptions } from './postgres-shard-tasks.js';
