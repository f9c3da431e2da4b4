import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BackoffOptions, OfsError, withBackoff } from '@ofs/contracts';
import { httpStatusOf, s3CodeOf, toStoreError } from './s3-errors.js';

/** Options of `probeConditionalWrites`. */
export interface ConditionalWriteProbeOptions {
  /** A configured client. */
  readonly client: S3Client;
  /** The bucket to probe; it must exist. */
  readonly bucket: string;
  /**
   * Full-key prefix of the probe object (a random name is appended). Use a name that is not a
   * valid object key (the store uses `{prefix}~ofs-probe/`), so no store ever lists it.
   */
  readonly key: string;
  /** Retries of 5xx, throttling and network failures. */
  readonly retry?: BackoffOptions;
}

/** What the probe saw, for logs and tests. */
export interface ConditionalWriteProbeResult {
  /** The probe object's full key (deleted again when the endpoint allows it). */
  readonly key: string;
  /** HTTP status of the second, conditional PUT onto the existing key (412 when honoured). */
  readonly secondPutStatus: number;
}

const encoder = new TextEncoder();

/**
 * Proves that an S3 endpoint honours `If-None-Match: *` on `PutObject`: writes a fresh probe
 * object, then tries to write it again with different bytes. A conforming endpoint answers 412
 * and keeps the first bytes; an endpoint that accepts the second PUT (s3rver 3.7.1 does, and
 * overwrites) or that does not implement the header cannot keep objects write-once and is
 * refused with `STORE_WRITE_ONCE_UNSUPPORTED`. The probe object is then deleted when the
 * endpoint allows it. Costs three or four requests, once per store.
 */
export async function probeConditionalWrites(options: ConditionalWriteProbeOptions): Promise<ConditionalWriteProbeResult> {
  const { client, bucket } = options;
  const key = `${options.key}${randomUUID()}`;
  const first = encoder.encode(`ofs write-once probe ${key} first`);
  const second = encoder.encode(`ofs write-once probe ${key} second`);
  const call = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
    withBackoff(
      async () => {
        try {
          return await run();
        } catch (error) {
          throw toStoreError(error, { bucket, key, operation });
        }
      },
      { ...options.retry },
    );
  const refuse = (why: string, status: number): OfsError =>
    new OfsError('STORE_WRITE_ONCE_UNSUPPORTED', {
      message: `s3://${bucket} does not honour If-None-Match: * (${why}); write-once cannot be guaranteed. Use an endpoint that does, or assumeSingleWriter if exactly one process writes to this bucket.`,
      details: { bucket, probe_key: key, second_put_status: status },
    });

  await call('probe: first conditional PUT', async () => {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: first, IfNoneMatch: '*', ContentLength: first.byteLength }));
    } catch (error) {
      if (s3CodeOf(error) === 'NotImplemented' || httpStatusOf(error) === 501) throw refuse('the endpoint does not implement it', 501);
      throw error;
    }
  });
  let status = 200;
  try {
    await call('probe: second conditional PUT', async () => {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: second, IfNoneMatch: '*', ContentLength: second.byteLength }),
        );
      } catch (error) {
        const answer = httpStatusOf(error);
        if (answer === 412 || s3CodeOf(error) === 'PreconditionFailed') {
          status = 412;
          return;
        }
        if (s3CodeOf(error) === 'NotImplemented' || answer === 501) throw refuse('the endpoint does not implement it', 501);
        throw error;
      }
    });
    if (status !== 412) throw refuse('a second PUT onto an existing key succeeded', status);
    const stored = await call('probe: read back', async () => {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    });
    if (Buffer.compare(Buffer.from(stored), Buffer.from(first)) !== 0) throw refuse('it answered 412 but replaced the object', status);
  } finally {
    // Best effort: a bucket that forbids deletes keeps one small, never-listed probe object.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }
  return { key, secondPutStatus: status };
}
