import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { isOfsError } from '@ofs/contracts';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3ObjectStore } from './s3-object-store.js';
import { s3ClientFor } from './testing/clients.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('S3 store against s3rver 3.7.1 (ignores If-None-Match)', () => {
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ofs-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'ofs-s3rver' }] });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const client = () => s3ClientFor({ endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

  it('is refused at open with STORE_WRITE_ONCE_UNSUPPORTED, because a second conditional PUT overwrites', async () => {
    const error = await failure(openS3ObjectStore({ client: client(), bucket: 'ofs-s3rver' }));
    expect(isOfsError(error, 'STORE_WRITE_ONCE_UNSUPPORTED')).toBe(true);
    if (isOfsError(error)) {
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ bucket: 'ofs-s3rver', second_put_status: 200 });
    }
  });

  it('opens with the documented single-writer opt-out, which still never replaces an object it can see', async () => {
    const store = await openS3ObjectStore({ client: client(), bucket: 'ofs-s3rver', prefix: 'single/', assumeSingleWriter: true });
    expect(await store.putIfAbsent('k/one', text('first'))).toEqual({ created: true });
    const second = await store.putIfAbsent('k/one', text('second'));
    expect(second.created).toBe(false);
    if (!second.created) expect(new TextDecoder().decode(second.existing)).toBe('first');
    expect(new TextDecoder().decode(await store.get('k/one'))).toBe('first');
  });
});

describe('S3 store without a server', () => {
  it('maps an unreachable endpoint to STORE_UNAVAILABLE (retryable) after the shared backoff', async () => {
    const retries: number[] = [];
    const error = await failure(
      openS3ObjectStore({
        client: s3ClientFor({ endpoint: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'y' }),
        bucket: 'ofs-unreachable',
        retry: { attempts: 3, baseMs: 1, jitter: 0, onRetry: ({ attempt }) => retries.push(attempt) },
      }),
    );
    expect(isOfsError(error, 'STORE_UNAVAILABLE')).toBe(true);
    if (isOfsError(error)) expect(error.retryable).toBe(true);
    expect(retries).toEqual([1, 2]);
  });

  it('refuses a prefix that is not a key prefix ending in "/"', async () => {
    const client = s3ClientFor({ endpoint: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'y' });
    for (const prefix of ['tenant', '../x/', '/abs/', 'a b/']) {
      const error = await failure(openS3ObjectStore({ client, bucket: 'b', prefix, assumeSingleWriter: true }));
      expect(isOfsError(error, 'REF_INVALID'), prefix).toBe(true);
    }
  });
});

describe('S3 store listing guard', () => {
  /** A client whose ListObjectsV2 answers with the given keys, in the given order (a non-conforming endpoint). */
  const listingClient = (keys: string[]) =>
    ({ send: async () => ({ Contents: keys.map((Key) => ({ Key })), IsTruncated: false }) }) as unknown as S3Client;

  async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
    const out: string[] = [];
    for await (const key of iterable) out.push(key);
    return out;
  }

  it('refuses a listing out of byte order with STORE_LIST_UNORDERED', async () => {
    const store = await openS3ObjectStore({ client: listingClient(['p/a', 'p/c', 'p/b']), bucket: 'b', assumeSingleWriter: true });
    const error = await failure(collect(store.list('p/')));
    expect(isOfsError(error, 'STORE_LIST_UNORDERED')).toBe(true);
  });

  it('hides names that are not keys and honours after and limit on a conforming listing', async () => {
    const store = await openS3ObjectStore({ client: listingClient(['p/a', 'p/b c', 'p/c', 'p/d']), bucket: 'b', assumeSingleWriter: true });
    expect(await collect(store.list('p/'))).toEqual(['p/a', 'p/c', 'p/d']);
    expect(await collect(store.list('p/', { after: 'p/a', limit: 1 }))).toEqual(['p/c']);
  });
});
