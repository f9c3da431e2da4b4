import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  assertObjectKey,
  assertObjectKeyPrefix,
  type BackoffOptions,
  isObjectKey,
  type ObjectStore,
  OfsError,
  type PutResult,
  throwIfAborted,
  withBackoff,
} from '@ofs/contracts';
import { probeConditionalWrites } from './probe.js';
import { httpStatusOf, s3CodeOf, toStoreError } from './s3-errors.js';

/** The largest object S3 accepts in one `PutObject` (5 GiB): the default `maxObjectBytes`. */
export const S3_MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** Options of `openS3ObjectStore`. */
export interface S3ObjectStoreOptions {
  /**
   * A configured client (region, credentials, endpoint). The store never reads the environment
   * itself: credentials come from whoever built the client (the SDK's default chain, usually).
   */
  readonly client: S3Client;
  /** The bucket that holds every object; it must exist. */
  readonly bucket: string;
  /**
   * A key prefix inside the bucket (`''` or ending in `/`, made of object-key characters), so
   * one bucket can hold several stores. Store keys never include it.
   */
  readonly prefix?: string;
  /** Retries of 5xx, throttling and network failures (see `withBackoff`). */
  readonly retry?: BackoffOptions;
  /**
   * Largest object `putIfAbsent` writes (default 5 GiB, S3's single-PUT limit). Larger objects
   * are refused with `STORE_OBJECT_TOO_LARGE` before any request, because every object is
   * written by one conditional PUT: multipart completion is not conditional on every server.
   */
  readonly maxObjectBytes?: number;
  /**
   * Opt-out of the write-once probe, for endpoints known to be written by exactly one process
   * (default `false`). Then `putIfAbsent` reads the key before its conditional PUT, which stops
   * that one writer from replacing an object but cannot stop two concurrent writers: never set
   * it on a bucket that several builds, workers or hosts write to.
   */
  readonly assumeSingleWriter?: boolean;
  /** Keys asked for per `ListObjectsV2` page (default 1000, S3's maximum). */
  readonly listPageSize?: number;
}

/** How many times `putIfAbsent` re-runs when the object it collided with vanished (deleted by gc). */
const PUT_COLLISION_ROUNDS = 3;

/**
 * Opens the `ObjectStore` on an S3 bucket. Before returning it, it proves that the endpoint
 * honours conditional writes (`probeConditionalWrites`): an endpoint that lets a second
 * `PutObject` with `If-None-Match: *` through is refused with `STORE_WRITE_ONCE_UNSUPPORTED`, so
 * write-once never silently degrades (opt out only with `assumeSingleWriter`). A missing bucket
 * is `STORE_BUCKET_NOT_FOUND`, refused credentials `STORE_ACCESS_DENIED`, an unreachable endpoint
 * `STORE_UNAVAILABLE` (after the retries).
 *
 * `putIfAbsent` is one `PutObject` with `If-None-Match: *`; on 412 it reads and returns the
 * existing object. `list` pages through `ListObjectsV2` with `StartAfter`, checks that the
 * server's order is ascending, and hides objects whose names are not valid keys (foreign
 * objects, the probe's). Keys are validated by `assertObjectKey`, so they are ASCII and S3's
 * UTF-8 byte order equals the port's order. Implements `delete` and `stat`.
 */
export async function openS3ObjectStore(options: S3ObjectStoreOptions): Promise<ObjectStore> {
  const base = options.prefix ?? '';
  if (base !== '') {
    assertObjectKeyPrefix(base);
    if (!base.endsWith('/')) {
      throw new OfsError('REF_INVALID', {
        message: `an S3 store prefix must be empty or end with "/", got ${base}`,
        details: { prefix: base },
      });
    }
  }
  if (options.assumeSingleWriter !== true) {
    await probeConditionalWrites({
      client: options.client,
      bucket: options.bucket,
      key: `${base}~ofs-probe/`,
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }
  return createS3Store(options, base);
}

function createS3Store(options: S3ObjectStoreOptions, base: string): ObjectStore {
  const { client, bucket } = options;
  const maxObjectBytes = options.maxObjectBytes ?? S3_MAX_SINGLE_PUT_BYTES;
  const singleWriter = options.assumeSingleWriter === true;
  const pageSize = Math.min(1000, Math.max(1, Math.floor(options.listPageSize ?? 1000)));

  /** Runs one S3 call under the shared backoff, every failure mapped to a catalogued code. */
  const call = <T>(operation: string, key: string | undefined, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> =>
    withBackoff(
      async () => {
        try {
          return await run();
        } catch (error) {
          throw toStoreError(error, { bucket, ...(key === undefined ? {} : { key }), operation }, signal);
        }
      },
      { ...options.retry, ...(signal ? { signal } : {}) },
    );

  const read = (fullKey: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> =>
    call('get', fullKey, signal, async () => {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: fullKey }), sendOptions(signal));
        if (response.Body === undefined) return new Uint8Array();
        return await response.Body.transformToByteArray();
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    });

  /** `true` when created, `false` when the key already held an object (HTTP 412). */
  const conditionalPut = (fullKey: string, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<boolean> =>
    call('putIfAbsent', fullKey, signal, async () => {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: fullKey, Body: bytes, IfNoneMatch: '*', ContentLength: bytes.byteLength }),
          sendOptions(signal),
        );
        return true;
      } catch (error) {
        if (isPreconditionFailed(error)) return false;
        throw error;
      }
    });

  return {
    async get(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      return read(base + key, opts?.signal);
    },

    async putIfAbsent(key, bytes, opts): Promise<PutResult> {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      if (bytes.byteLength > maxObjectBytes) {
        throw new OfsError('STORE_OBJECT_TOO_LARGE', {
          message: `${key} is ${bytes.byteLength} bytes, more than the ${maxObjectBytes} one conditional PUT may write`,
          details: { key, size: bytes.byteLength, limit: maxObjectBytes },
        });
      }
      const fullKey = base + key;
      const body = Uint8Array.from(bytes);
      for (let round = 1; round <= PUT_COLLISION_ROUNDS; round++) {
        if (singleWriter) {
          const existing = await read(fullKey, opts?.signal);
          if (existing !== undefined) return { created: false, existing };
        }
        if (await conditionalPut(fullKey, body, opts?.signal)) return { created: true };
        const existing = await read(fullKey, opts?.signal);
        if (existing !== undefined) return { created: false, existing };
        // The object that blocked the write was deleted in between (gc): try again.
      }
      throw new OfsError('STORE_UNAVAILABLE', {
        message: `${key} kept appearing and disappearing during putIfAbsent (${PUT_COLLISION_ROUNDS} rounds)`,
        details: { bucket, key: fullKey, operation: 'putIfAbsent' },
      });
    },

    async *list(prefix, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKeyPrefix(prefix);
      const limit = opts?.limit ?? Number.POSITIVE_INFINITY;
      if (limit <= 0) return;
      const fullPrefix = base + prefix;
      const after = opts?.after;
      let yielded = 0;
      let previous: string | undefined;
      let token: string | undefined;
      do {
        const pageToken = token;
        const page = await call('list', fullPrefix, opts?.signal, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: fullPrefix,
              MaxKeys: Math.min(pageSize, Math.max(1, limit - yielded)),
              ...(pageToken === undefined ? (after === undefined ? {} : { StartAfter: base + after }) : { ContinuationToken: pageToken }),
            }),
            sendOptions(opts?.signal),
          ),
        );
        for (const entry of page.Contents ?? []) {
          const fullKey = entry.Key;
          if (fullKey === undefined) continue;
          if (previous !== undefined && fullKey <= previous) {
            throw new OfsError('STORE_LIST_UNORDERED', {
              message: `s3://${bucket} listed ${fullKey} after ${previous}`,
              details: { bucket, key: fullKey, previous },
            });
          }
          previous = fullKey;
          if (!fullKey.startsWith(fullPrefix)) continue;
          const key = fullKey.slice(base.length);
          if (!isObjectKey(key) || (after !== undefined && key <= after)) continue;
          throwIfAborted(opts?.signal);
          yield key;
          if (++yielded >= limit) return;
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },

    async delete(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const fullKey = base + key;
      await call('delete', fullKey, opts?.signal, () =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: fullKey }), sendOptions(opts?.signal)),
      );
    },

    async stat(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const fullKey = base + key;
      return call('stat', fullKey, opts?.signal, async () => {
        try {
          const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: fullKey }), sendOptions(opts?.signal));
          return { size: head.ContentLength ?? 0, modifiedMs: head.LastModified?.getTime() ?? Number.NaN };
        } catch (error) {
          if (isMissing(error)) return undefined;
          throw error;
        }
      });
    },
  };
}

/** The SDK's per-request options: the abort signal when there is one. */
function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}

/** A 404 for the object itself (not for the bucket). */
function isMissing(error: unknown): boolean {
  const code = s3CodeOf(error);
  if (code === 'NoSuchBucket') return false;
  return code === 'NoSuchKey' || code === 'NotFound' || httpStatusOf(error) === 404;
}

/** The answer to a conditional write on a key that exists. */
export function isPreconditionFailed(error: unknown): boolean {
  return s3CodeOf(error) === 'PreconditionFailed' || httpStatusOf(error) === 412;
}
