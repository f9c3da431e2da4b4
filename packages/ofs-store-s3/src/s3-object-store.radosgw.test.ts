import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isOfsError, type ObjectStore } from '@ofs/contracts';
import { describeObjectStoreContract } from '@ofs/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3ObjectStore } from './s3-object-store.js';
import { createTestBucket, s3ClientFor } from './testing/clients.js';
import { missingRadosgwBinaries, type RadosgwServer, startRadosgw } from './testing/radosgw.js';

const missing = missingRadosgwBinaries();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (isOfsError(e) ? e.code : String(e)),
  );
}

if (missing.length > 0) {
  console.warn(
    `SKIPPED @ofs/store-s3 radosgw tests: missing ${missing.join(', ')} (apt-get install --no-install-recommends radosgw ceph-mon ceph-osd; .ci/run installs them)`,
  );
  describe.skip('ObjectStore contract: s3 on Ceph radosgw (binaries absent)', () => {
    it('runs the contract suite against radosgw', () => undefined);
  });
} else {
  let server: RadosgwServer;
  let client: S3Client;
  beforeAll(async () => {
    server = await startRadosgw();
    client = s3ClientFor(server);
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  const fresh = async (tag: string, extra: Partial<Parameters<typeof openS3ObjectStore>[0]> = {}): Promise<ObjectStore> =>
    openS3ObjectStore({ client, bucket: await createTestBucket(client, tag), retry: { attempts: 3, baseMs: 10 }, ...extra });

  describeObjectStoreContract('s3 on Ceph radosgw', () => fresh('contract'));
  describeObjectStoreContract('s3 on Ceph radosgw, under a prefix, listing in pages of 2', async () => {
    const bucket = await createTestBucket(client, 'prefixed');
    // A foreign object beside the store's prefix and one with a name that is not a key: neither is listed.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/a', Body: text('x') }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'tenant/x/not a key', Body: text('x') }));
    return openS3ObjectStore({ client, bucket, prefix: 'tenant/x/', listPageSize: 2 });
  });

  describe('S3 store on Ceph radosgw', () => {
    it('refuses a missing bucket at open with STORE_BUCKET_NOT_FOUND naming it', async () => {
      const error = await openS3ObjectStore({ client, bucket: 'ofs-no-such-bucket' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOfsError(error, 'STORE_BUCKET_NOT_FOUND')).toBe(true);
      if (isOfsError(error)) {
        expect(error.retryable).toBe(false);
        expect(error.details.bucket).toBe('ofs-no-such-bucket');
      }
    });

    it('refuses wrong credentials with STORE_ACCESS_DENIED and never echoes the secret', async () => {
      const bucket = await createTestBucket(client, 'denied');
      const wrong = s3ClientFor(server, { secretAccessKey: 'not-the-secret-0123456789' });
      const error = await openS3ObjectStore({ client: wrong, bucket }).then(
        () => undefined,
        (e: unknown) => e,
      );
      wrong.destroy();
      expect(isOfsError(error, 'STORE_ACCESS_DENIED')).toBe(true);
      expect(JSON.stringify(isOfsError(error) ? error.toJSON() : error)).not.toContain('not-the-secret');
      expect(JSON.stringify(isOfsError(error) ? error.toJSON() : error)).not.toContain(server.secretAccessKey);
    });

    it('refuses an object over maxObjectBytes with STORE_OBJECT_TOO_LARGE and writes nothing', async () => {
      const store = await fresh('large', { maxObjectBytes: 1024 });
      expect(await codeOf(store.putIfAbsent('big/part', new Uint8Array(1025)))).toBe('STORE_OBJECT_TOO_LARGE');
      expect(await store.get('big/part')).toBeUndefined();
      expect(await store.putIfAbsent('big/ok', new Uint8Array(1024))).toEqual({ created: true });
    });

    it('writes a multi-megabyte part with one conditional PUT and keeps it write-once', async () => {
      const store = await fresh('mb');
      const bytes = Uint8Array.from({ length: 6 * 1024 * 1024 + 3 }, (_, i) => (i * 31) % 251);
      expect(await store.putIfAbsent('run/part-00000.parquet', bytes)).toEqual({ created: true });
      const again = await store.putIfAbsent('run/part-00000.parquet', new Uint8Array(10));
      expect(again.created).toBe(false);
      const got = await store.get('run/part-00000.parquet');
      expect(got?.byteLength).toBe(bytes.byteLength);
      expect(Buffer.compare(Buffer.from(got ?? []), Buffer.from(bytes))).toBe(0);
    });

    it('leaves no visible probe object behind and lists the same keys on every run', async () => {
      const bucket = await createTestBucket(client, 'probe');
      const keys = ['z/1', 'a/b', 'a=b/c', 'A/0', 'a-b', 'a.b', 'a_b', '0'];
      const listings: string[][] = [];
      for (let round = 0; round < 3; round++) {
        const store = await openS3ObjectStore({ client, bucket, listPageSize: 3 });
        const shuffled = [...keys].sort(() => Math.random() - 0.5);
        for (const key of shuffled) await store.putIfAbsent(key, text(key));
        listings.push(await collect(store.list('')));
      }
      expect(listings[0]).toEqual([...keys].sort());
      expect(listings[1]).toEqual(listings[0]);
      expect(listings[2]).toEqual(listings[0]);
    });
  });
}
