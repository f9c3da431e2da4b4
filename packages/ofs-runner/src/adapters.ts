import { isOfsError, type ObjectStore, OfsError, type ReplaySource } from '@ofs/contracts';

/** The ports an adapter package can fill. */
export type AdapterRole = 'eb' | 'archive' | 'store';

/** One adapter in `ofs.config.json`: the package, and its options (never credentials). */
export interface AdapterSpec {
  /** The adapter package, e.g. `@ofs/source-nats`; it is imported when the corridor opens. */
  readonly package: string;
  /** Package options (see `KNOWN_ADAPTERS`); credentials come only from the environment. */
  readonly [option: string]: unknown;
}

/** The `adapters` section of `ofs.config.json`; a role left out keeps the embedded default. */
export interface CorridorAdaptersConfig {
  readonly eb?: AdapterSpec;
  readonly archive?: AdapterSpec;
  readonly store?: AdapterSpec;
}

/** What opening the adapters needs beside their specs. */
export interface AdapterContext {
  /** Where credentials are read from (`process.env`); nothing else reads it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The corridor's object store (the Archive adapter reads the archive layout from it). */
  readonly store: () => ObjectStore;
  /** The corridor's `verify_hashes`. */
  readonly verifyHashes: boolean;
  /** Imports a package by name (default: `import(name)`); tests inject a missing package. */
  readonly importer?: (name: string) => Promise<unknown>;
}

/** Opened adapters, and how to release their connections. */
export interface OpenedAdapters {
  readonly eb?: ReplaySource;
  readonly archive?: ReplaySource;
  readonly store?: ObjectStore;
  close(): Promise<void>;
}

/** Adapter packages the runner can open, and the roles each may fill. */
export const KNOWN_ADAPTERS: Readonly<Record<string, readonly AdapterRole[]>> = {
  '@ofs/source-nats': ['eb', 'archive'],
  '@ofs/source-kinesis': ['eb', 'archive'],
  '@ofs/archive-s3': ['archive'],
  '@ofs/store-s3': ['store'],
};

const SECRET_KEY = /pass(word|wd)?|secret|token|credential|creds|access_?key|session|private|nkey|seed|auth/i;

function invalid(message: string, details: Record<string, unknown> = {}): OfsError {
  return new OfsError('CORRIDOR_CONFIG_INVALID', { message: `ofs.config.json adapters: ${message}`, details });
}

function checkValue(role: string, path: string, value: unknown): void {
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(value)) {
    throw invalid(`${role}.${path} holds a URL with credentials; pass them in the environment`, { role, option: path });
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkValue(role, `${path}[${i}]`, v);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k))
        throw invalid(`${role}.${path}.${k} looks like a credential; pass it in the environment`, { role, option: `${path}.${k}` });
      checkValue(role, `${path}.${k}`, v);
    }
  }
}

/**
 * Checks the `adapters` section: each role names a known package that may fill it, and no
 * option is or holds a credential (a key like `password`/`token`/`secret_access_key`, or a URL
 * with `user:pass@`) — credentials come only from the environment or the SDK's default chain, so
 * they can never reach an artifact, a digest or a log. `CORRIDOR_CONFIG_INVALID` otherwise.
 */
export function parseAdaptersConfig(value: unknown): CorridorAdaptersConfig {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('must be an object');
  const out: Record<string, AdapterSpec> = {};
  for (const [role, spec] of Object.entries(value)) {
    if (role !== 'eb' && role !== 'archive' && role !== 'store') throw invalid(`unknown role "${role}" (eb, archive, store)`, { role });
    if (typeof spec !== 'object' || spec === null || typeof (spec as AdapterSpec).package !== 'string') {
      throw invalid(`${role} needs a "package"`, { role });
    }
    const pkg = (spec as AdapterSpec).package;
    const roles = KNOWN_ADAPTERS[pkg];
    if (roles === undefined || !roles.includes(role)) {
      throw invalid(
        `${role} cannot be "${pkg}" (known: ${Object.entries(KNOWN_ADAPTERS)
          .filter(([, r]) => r.includes(role))
          .map(([p]) => p)
          .join(', ')})`,
        {
          role,
          package: pkg,
        },
      );
    }
    const { package: _p, ...options } = spec as AdapterSpec;
    checkValue(role, 'options', options);
    out[role] = spec as AdapterSpec;
  }
  return out;
}

async function load<T>(name: string, context: AdapterContext): Promise<T> {
  const importer = context.importer ?? ((n: string) => import(n));
  try {
    return (await importer(name)) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new OfsError('ADAPTER_NOT_INSTALLED', {
        message: `adapter package ${name} is not installed`,
        details: { package: name },
        cause: error,
      });
    }
    throw error;
  }
}

const str = (spec: AdapterSpec, key: string, role: string, required: boolean): string | undefined => {
  const v = spec[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw invalid(`${role}.${key} must be a non-empty string`, { role, option: key });
  return v;
};

interface NatsModule {
  connectNats(options: Record<string, unknown>): Promise<{ close(): Promise<void> }>;
  createNatsSource(options: Record<string, unknown>): ReplaySource;
  defaultSubjectMapping(prefix?: string): (topic: string, partition: number) => string;
}
interface ArchiveModule {
  createArchiveSource(options: Record<string, unknown>): ReplaySource;
}
interface KinesisModule {
  createKinesisSource(options: Record<string, unknown>): ReplaySource;
}
interface KinesisClientModule {
  KinesisClient: new (config: Record<string, unknown>) => { destroy(): void };
}
interface HttpHandlerModule {
  NodeHttpHandler: new () => unknown;
}
interface S3Module {
  S3Client: new (config: Record<string, unknown>) => { destroy(): void };
}
interface StoreS3Module {
  openS3ObjectStore(options: Record<string, unknown>): Promise<ObjectStore>;
}

/**
 * Opens the adapters `config` names (store first: the Archive adapter reads from the store).
 * Credentials: NATS takes `NATS_TOKEN`, or `NATS_USER` and `NATS_PASSWORD`, from `context.env`;
 * S3 and Kinesis use the AWS SDK's default chain. A package that is not installed is
 * `ADAPTER_NOT_INSTALLED`; an unreachable server the adapter's retryable code.
 */
export async function openAdapters(config: CorridorAdaptersConfig, context: AdapterContext): Promise<OpenedAdapters> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    let store: ObjectStore | undefined;
    if (config.store) {
      const spec = config.store;
      const { S3Client } = await load<S3Module>('@aws-sdk/client-s3', context);
      const { openS3ObjectStore } = await load<StoreS3Module>('@ofs/store-s3', context);
      const region = str(spec, 'region', 'store', false);
      const endpoint = str(spec, 'endpoint', 'store', false);
      const client = new S3Client({
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: spec.force_path_style === true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      closers.push(async () => client.destroy());
      const prefix = str(spec, 'prefix', 'store', false);
      store = await openS3ObjectStore({
        client,
        bucket: str(spec, 'bucket', 'store', true),
        ...(prefix ? { prefix } : {}),
        assumeSingleWriter: spec.assume_single_writer === true,
      });
    }
    const storeFor = () => store ?? context.store();
    const source = async (role: 'eb' | 'archive', spec: AdapterSpec): Promise<ReplaySource> => {
      if (spec.package === '@ofs/archive-s3') {
        const { createArchiveSource } = await load<ArchiveModule>('@ofs/archive-s3', context);
        return createArchiveSource({
          store: storeFor(),
          platformRunId: str(spec, 'platform_run_id', role, true),
          verifyHashes: typeof spec.verify_hashes === 'boolean' ? spec.verify_hashes : context.verifyHashes,
        });
      }
      if (spec.package === '@ofs/source-kinesis') {
        const { KinesisClient } = await load<KinesisClientModule>('@aws-sdk/client-kinesis', context);
        const { createKinesisSource } = await load<KinesisModule>('@ofs/source-kinesis', context);
        const region = str(spec, 'region', role, false);
        const endpoint = str(spec, 'endpoint', role, false);
        // HTTP/1.1 for Kinesis-API servers without HTTP/2 (kinesalite); AWS itself takes either.
        const handler =
          spec.http1 === true
            ? { requestHandler: new (await load<HttpHandlerModule>('@smithy/node-http-handler', context)).NodeHttpHandler() }
            : {};
        const client = new KinesisClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), ...handler });
        closers.push(async () => client.destroy());
        const topic = str(spec, 'topic', role, false);
        return createKinesisSource({ client, stream: str(spec, 'stream', role, true), ...(topic ? { topic } : {}) });
      }
      const nats = await load<NatsModule>('@ofs/source-nats', context);
      const env = context.env;
      const stream = str(spec, 'stream', role, true) as string;
      const servers = spec.servers ?? 'nats://127.0.0.1:4222';
      const attempts = typeof spec.retry_attempts === 'number' ? { retry: { attempts: spec.retry_attempts } } : {};
      const connection = await nats.connectNats({
        servers,
        stream,
        ...attempts,
        name: `ofs-${role}`,
        ...(env.NATS_TOKEN ? { token: env.NATS_TOKEN } : {}),
        ...(env.NATS_USER ? { user: env.NATS_USER, pass: env.NATS_PASSWORD ?? '' } : {}),
      });
      closers.push(() => connection.close());
      const prefix = str(spec, 'subject_prefix', role, false);
      return nats.createNatsSource({
        connection,
        stream,
        subjectFor: nats.defaultSubjectMapping(prefix),
        ...(typeof spec.batch_size === 'number' ? { batchSize: spec.batch_size } : {}),
      });
    };
    const eb = config.eb ? await source('eb', config.eb) : undefined;
    const archive = config.archive ? await source('archive', config.archive) : undefined;
    return { ...(eb ? { eb } : {}), ...(archive ? { archive } : {}), ...(store ? { store } : {}), close };
  } catch (error) {
    await close();
    throw isOfsError(error)
      ? error
      : new OfsError('CORRIDOR_CONFIG_INVALID', { message: `cannot open the adapters: ${String(error)}`, cause: error });
  }
}
