import { OfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { toStoreError } from './s3-errors.js';

/** An error shaped like the AWS SDK v3's service exceptions. */
function sdkError(name: string, status?: number): Error {
  const error = new Error(name) as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
  error.name = name;
  error.Code = name;
  if (status !== undefined) error.$metadata = { httpStatusCode: status };
  return error;
}

const context = { bucket: 'b', key: 'k', operation: 'putIfAbsent' };

describe('toStoreError', () => {
  it.each([
    ['NoSuchBucket', 404, 'STORE_BUCKET_NOT_FOUND', false],
    ['AccessDenied', 403, 'STORE_ACCESS_DENIED', false],
    ['InvalidAccessKeyId', 403, 'STORE_ACCESS_DENIED', false],
    ['SignatureDoesNotMatch', 403, 'STORE_ACCESS_DENIED', false],
    ['EntityTooLarge', 400, 'STORE_OBJECT_TOO_LARGE', false],
    ['SlowDown', 503, 'STORE_UNAVAILABLE', true],
    ['InternalError', 500, 'STORE_UNAVAILABLE', true],
    ['ConditionalRequestConflict', 409, 'STORE_UNAVAILABLE', true],
    ['TooManyRequests', 429, 'STORE_UNAVAILABLE', true],
    ['InvalidArgument', 400, 'STORE_UNAVAILABLE', false],
  ] as const)('maps %s (HTTP %i) to %s, retryable %s', (name, status, code, retryable) => {
    const mapped = toStoreError(sdkError(name, status), context);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.details).toMatchObject({ bucket: 'b', key: 'k', operation: 'putIfAbsent', s3_code: name, http_status: status });
  });

  it('maps a network failure (no HTTP answer) to retryable STORE_UNAVAILABLE', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const mapped = toStoreError(error, context);
    expect(mapped.code).toBe('STORE_UNAVAILABLE');
    expect(mapped.retryable).toBe(true);
  });

  it('maps an abort to ABORTED and passes OfsErrors through', () => {
    const controller = new AbortController();
    controller.abort();
    expect(toStoreError(sdkError('AbortError'), context, controller.signal).code).toBe('ABORTED');
    const own = new OfsError('REF_INVALID');
    expect(toStoreError(own, context)).toBe(own);
  });
});
