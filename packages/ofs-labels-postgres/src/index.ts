export { fromPgPool, fromPGlite } from '@ofs/contracts';
export {
  createPostgresLabelStore,
  LABEL_STORE_SCHEMA_VERSION,
  labelStoreDdl,
  labelStoreMigrations,
  migrateLabelStore,
  type PostgresLabelStoreOptions,
} from './postgres-label-store.js';
