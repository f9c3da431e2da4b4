import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** Endpoint and keys of a test S3 server. */
export interface S3TestEndpoint {
  readonly endpoint: string;
  readonly region?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * An `S3Client` for a local S3-compatible server: path-style addressing, checksums only when an
 * operation requires them (radosgw answers 411 to the SDK's default streamed checksums), and no
 * SDK-level retries, so the store's own `withBackoff` is the one retry loop.
 */
export function s3ClientFor(server: S3TestEndpoint, overrides: { secretAccessKey?: string } = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: overrides.secretAccessKey ?? server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

let bucketCounter = 0;

/** Creates a fresh bucket with a unique name (`ofs-{tag}-{n}-{random}`) and returns its name. */
export async function createTestBucket(client: S3Client, tag: string): Promise<string> {
  bucketCounter += 1;
  const name = `ofs-${tag}-${bucketCounter}-${Math.random().toString(36).slice(2, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
