export { fromPgPool, fromPGlite } from '@ofs/contracts';
export { createPostgresLabelStore, labelStoreDdl, type PostgresLabelStoreOptions } from './postgres-label-store.js';
