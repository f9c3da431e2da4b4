import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  fromPGlite,
  fromPgPool,
  isOfsError,
  type AppendableLabelStore,
  type LedgerStore,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  parseOfsPolicy,
  type ReplaySource,
  type ShardTaskStore,
  type SqlClient,
} from '@ofs/contracts';
import { createFileFeatureProfiles, createFsObjectStore, createSegmentFileSource } from '@ofs/fs';
import { createPostgresLabelStore } from '@ofs/labels-postgres';
import { createPostgresLedgerStore, createPostgresShardTaskStore } from '@ofs/ledger-postgres';
import { type CorridorAdaptersConfig, openAdapters, parseAdaptersConfig } from './adapters.js';
import { createCorridor } from './corridor.js';
import { acquireCorridorLock } from './corridor-lock.js';
import type { Corridor, CorridorDeps } from './corridor-types.js';
import { runnerCodeRelease } from './release.js';
import { importOptionalDependency } from './optional-dependency.js';

/** Schema version of `ofs.config.json`, the embedded corridor's configuration file. */
export const CORRIDOR_CONFIG_SCHEMA_VERSION = 'learning.ofs_corridor_config.v1';
/** File name of the embedded corridor's configuration inside its directory. */
export const CORRIDOR_CONFIG_FILE = 'ofs.config.json';

/**
 * `ofs.config.json`: what an embedded corridor directory runs under. Paths are relative to the
 * directory. Only outcome-affecting values that belong in the run-config digest live here; a
 * database URL is passed at run time (never stored, never digested).
 */
export interface CorridorConfigFile {
  readonly schema_version: typeof CORRIDOR_CONFIG_SCHEMA_VERSION;
  /** The config revision intents must pin. */
  readonly config_revision: string;
  /** Policy file (default `policy.json`). */
  readonly policy?: string;
  /** Whether the segment sources recompute payload hashes (default `false`). */
  readonly verify_hashes?: boolean;
  /**
   * Adapter packages for the EB, the Archive and the object store (default: segment files and
   * the fs store under the directory). Options only; credentials come from the environment.
   * Not part of the run-config digest: moving a corridor between equivalent adapters keeps its
   * request ids valid (the replay receipt records what was read).
   */
  readonly adapters?: CorridorAdaptersConfig;
}

/** Layout of an embedded corridor directory. */
export interface CorridorLayout {
  readonly dir: string;
  readonly config: string;
  readonly store: string;
  readonly eb: string;
  readonly archive: string;
  readonly profiles: string;
  readonly database: string;
  readonly intents: string;
}

/** Where everything of an embedded corridor lives under `dir`. */
export function corridorLayout(dir: string): CorridorLayout {
  const root = resolve(dir);
  return {
    dir: root,
    config: join(root, CORRIDOR_CONFIG_FILE),
    store: join(root, 'store'),
    eb: join(root, 'segments', 'eb'),
    archive: join(root, 'segments', 'archive'),
    profiles: join(root, 'profiles'),
    database: join(root, 'db'),
    intents: join(root, 'intents'),
  };
}

/** Options of `createDefaultCorridor`. */
export interface DefaultCorridorOptions {
  /** The corridor directory (see `corridorLayout`); must hold `ofs.config.json`. */
  readonly dir: string;
  /** A PostgreSQL server for ledger and labels (several processes); default: PGlite under `dir/db`. */
  readonly databaseUrl?: string;
  /** Prefix of the PostgreSQL schemas (`<prefix>_ledger`, `<prefix>_labels`); default `ofs`. */
  readonly databaseSchemaPrefix?: string;
  /** Overrides passed to `createCorridor` (worker name, lease, threads, fan-out into shard tasks, clock, progress listener). */
  readonly corridor?: Partial<Pick<CorridorDeps, 'worker' | 'leaseMs' | 'threads' | 'fanOut' | 'clock' | 'onProgress' | 'requeueBackoff'>>;
  /** Wraps the object store (tests inject failures this way). */
  readonly wrapStore?: (store: ObjectStore) => ObjectStore;
  /** Where adapter credentials are read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** An embedded corridor: the corridor plus the ports it owns, and `close()`. */
export interface DefaultCorridor extends Corridor {
  readonly layout: CorridorLayout;
  readonly store: ObjectStore;
  readonly labels: AppendableLabelStore;
  readonly ledgerStore: LedgerStore;
  /** Shard tasks of runs fanned out over worker processes (a PostgreSQL server only). */
  readonly shardTasks?: ShardTaskStore;
  readonly eb: ReplaySource;
  readonly archive: ReplaySource;
  readonly policy: OfsPolicy;
  readonly pins: { readonly configRevision: string; readonly codeReleaseId: string };
  /** Closes the database (PGlite or the pool). */
  close(): Promise<void>;
}

/** Reads and checks `ofs.config.json` of a corridor directory. */
export async function readCorridorConfig(dir: string): Promise<CorridorConfigFile> {
  const layout = corridorLayout(dir);
  let text: string;
  try {
    text = await readFile(layout.config, 'utf8');
  } catch (error) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', {
      message: `no corridor at ${layout.dir} (${CORRIDOR_CONFIG_FILE} is missing)`,
      cause: error,
    });
  }
  let json: Partial<CorridorConfigFile>;
  try {
    json = JSON.parse(text) as Partial<CorridorConfigFile>;
  } catch (error) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', { message: `${layout.config} is not JSON`, cause: error });
  }
  if (
    json?.schema_version !== CORRIDOR_CONFIG_SCHEMA_VERSION ||
    typeof json.config_revision !== 'string' ||
    json.config_revision.length === 0
  ) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', {
      message: `${layout.config} needs schema_version "${CORRIDOR_CONFIG_SCHEMA_VERSION}" and a config_revision`,
    });
  }
  parseAdaptersConfig(json.adapters);
  return json as CorridorConfigFile;
}

async function openDatabase(
  options: DefaultCorridorOptions,
  layout: CorridorLayout,
): Promise<{ client: SqlClient; close: () => Promise<void> }> {
  try {
    if (options.databaseUrl) {
      const { default: pg } = await importOptionalDependency('pg', 'a PostgreSQL server corridor (--database-url)', () => import('pg'));
      const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
      pool.on('error', () => undefined);
      return { client: fromPgPool(pool), close: () => pool.end() };
    }
    // One process per embedded corridor: PGlite loses records (or hangs) when two open one
    // directory. The lock is freed by the OS when this process dies.
    const lock = await acquireCorridorLock(layout.dir);
    try {
      const { PGlite } = await importOptionalDependency(
        '@electric-sql/pglite',
        'the embedded corridor (PGlite)',
        () => import('@electric-sql/pglite'),
      );
      const db = await PGlite.create(layout.database);
      return {
        client: fromPGlite(db),
        close: async () => {
          try {
            await db.close();
          } finally {
            await lock.release();
          }
        },
      };
    } catch (error) {
      await lock.release();
      throw error;
    }
  } catch (error) {
    if (isOfsError(error)) throw error;
    throw new OfsError('LEDGER_UNAVAILABLE', {
      message: `cannot open the database: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

/**
 * A `SqlClient` that opens the database on its first query, so commands that never touch the
 * ledger or labels (`verify`, `inspect`) do not pay for starting PGlite.
 */
function lazyDatabase(open: () => Promise<{ client: SqlClient; close: () => Promise<void> }>): {
  client: SqlClient;
  close: () => Promise<void>;
} {
  let opened: Promise<{ client: SqlClient; close: () => Promise<void> }> | undefined;
  const get = () => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  const client: SqlClient = {
    query: async (text, params, options) => (await get()).client.query(text, params, options),
    transaction: async (fn, options) => (await get()).client.transaction(fn, options),
  };
  return {
    client,
    close: async () => {
      if (opened === undefined) return;
      const db = await opened.catch(() => undefined);
      opened = undefined;
      await db?.close();
    },
  };
}

/**
 * The embedded default corridor: an fs object store, PGlite ledger and label store (or a
 * PostgreSQL server with `databaseUrl`), segment-file EB and Archive sources and file feature
 * profiles, all under `dir` — or the adapters `ofs.config.json` names (`adapters`: NATS
 * JetStream, the archive layout, S3; see `openAdapters`). The code release is this package's (`@ofs/runner@<version>`).
 *
 * PGlite is single-process: the first query takes the directory's exclusive lock
 * (`acquireCorridorLock`); a second process fails at once with `CORRIDOR_LOCKED` naming the holder's
 * pid. Pass `databaseUrl` to run several processes on one directory.
 *
 * @example
 * const corridor = await createDefaultCorridor({ dir: '.ofs-demo' });
 * try {
 *   const { run } = await corridor.submit(intent);
 *   const done = await corridor.runBuild(run.run_key);
 * } finally {
 *   await corridor.close();
 * }
 */
export async function createDefaultCorridor(options: DefaultCorridorOptions): Promise<DefaultCorridor> {
  if (options.corridor?.fanOut && !options.databaseUrl) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', {
      message:
        'fanning runs out into shard tasks needs a PostgreSQL server (--database-url); the embedded corridor is one process (use --threads)',
    });
  }
  const layout = corridorLayout(options.dir);
  const config = await readCorridorConfig(options.dir);
  let policyJson: unknown;
  const policyFile = resolve(layout.dir, config.policy ?? 'policy.json');
  try {
    policyJson = JSON.parse(await readFile(policyFile, 'utf8'));
  } catch (error) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', { message: `cannot read the policy ${policyFile}`, cause: error });
  }
  const policy = parseOfsPolicy(policyJson);
  const pins = { configRevision: config.config_revision, codeReleaseId: runnerCodeRelease() };
  const verifyHashes = config.verify_hashes ?? false;
  const fsStore = createFsObjectStore({ root: layout.store });
  const adapters = await openAdapters(parseAdaptersConfig(config.adapters), {
    env: options.env ?? process.env,
    store: () => fsStore,
    verifyHashes,
  });
  const baseStore = adapters.store ?? fsStore;
  const store = options.wrapStore ? options.wrapStore(baseStore) : baseStore;
  const eb = adapters.eb ?? createSegmentFileSource({ root: layout.eb, verifyHashes });
  const archive = adapters.archive ?? createSegmentFileSource({ root: layout.archive, verifyHashes });
  const profiles = createFileFeatureProfiles({ root: layout.profiles });
  const database = lazyDatabase(() => openDatabase(options, layout));
  const prefix = options.databaseSchemaPrefix ?? 'ofs';
  const ledgerStore = createPostgresLedgerStore({ client: database.client, schema: `${prefix}_ledger` });
  const labels = createPostgresLabelStore({ client: database.client, schema: `${prefix}_labels` });
  // Shard tasks need several processes on one ledger: a server. The embedded corridor stays one process.
  const shardTasks = options.databaseUrl
    ? createPostgresShardTaskStore({ client: database.client, schema: `${prefix}_ledger` })
    : undefined;
  const corridor = createCorridor({
    store,
    ledger: ledgerStore,
    eb,
    archive,
    labels,
    profiles,
    policy,
    pins,
    configExtra: { verify_hashes: verifyHashes },
    ...(shardTasks ? { shardTasks } : {}),
    ...options.corridor,
  });
  let closed = false;
  return {
    ...corridor,
    layout,
    store,
    labels,
    ledgerStore,
    ...(shardTasks ? { shardTasks } : {}),
    eb,
    archive,
    policy,
    pins,
    async close() {
      if (closed) return;
      closed = true;
      await database.close();
      await adapters.close();
    },
  };
}
