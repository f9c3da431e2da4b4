import { isOfsError, OfsError } from '@ofs/contracts';

/** The fields of an AWS SDK v3 service or network error this module reads. */
interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

/** What a failed call was doing, for the message and details of the mapped error. */
export interface S3CallContext {
  /** The bucket the call addressed. */
  readonly bucket: string;
  /** The object key (full, with the store's prefix), when the call addressed one. */
  readonly key?: string;
  /** What the call was, e.g. `putIfAbsent`. */
  readonly operation: string;
}

/** The HTTP status of an SDK error, when the server answered. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (`NoSuchBucket`, `PreconditionFailed`, …) of an SDK error. */
export function s3CodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkErrorShape;
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  return undefined;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'AllAccessDisabled',
  'AccountProblem',
]);

const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'OperationAborted',
  'ConditionalRequestConflict',
  'InternalError',
  'ServiceUnavailable',
]);

/**
 * Maps any failure of an S3 call to a catalogued `OfsError`: a missing bucket is
 * `STORE_BUCKET_NOT_FOUND`, refused credentials or permissions `STORE_ACCESS_DENIED`, an object
 * over the server's size limit `STORE_OBJECT_TOO_LARGE` (all three final), an abort `ABORTED`,
 * and everything else — 5xx, throttling, a conflicting concurrent conditional write, network
 * errors — `STORE_UNAVAILABLE` (retryable, so `withBackoff` retries it). An `OfsError` passes
 * through unchanged. Credentials never appear in the details: only bucket, key, operation and
 * the server's code and status.
 */
export function toStoreError(error: unknown, context: S3CallContext, signal?: AbortSignal): OfsError {
  if (isOfsError(error)) return error as OfsError;
  const where = `${context.operation} s3://${context.bucket}${context.key === undefined ? '' : `/${context.key}`}`;
  const status = httpStatusOf(error);
  const code = s3CodeOf(error);
  const details = {
    bucket: context.bucket,
    ...(context.key === undefined ? {} : { key: context.key }),
    operation: context.operation,
    s3_code: code ?? null,
    http_status: status ?? null,
  };
  if (signal?.aborted || code === 'AbortError') {
    return new OfsError('ABORTED', { message: `${where}: aborted`, details, cause: error });
  }
  if (code === 'NoSuchBucket') {
    return new OfsError('STORE_BUCKET_NOT_FOUND', { message: `${where}: bucket ${context.bucket} does not exist`, details, cause: error });
  }
  if ((code !== undefined && ACCESS_DENIED.has(code)) || status === 401 || status === 403) {
    return new OfsError('STORE_ACCESS_DENIED', { message: `${where}: access denied (${code ?? status})`, details, cause: error });
  }
  if (code === 'EntityTooLarge' || status === 413) {
    return new OfsError('STORE_OBJECT_TOO_LARGE', {
      message: `${where}: the server refused the object as too large`,
      details,
      cause: error,
    });
  }
  const transient =
    status === undefined || status >= 500 || status === 429 || status === 409 || (code !== undefined && THROTTLED.has(code));
  const reason = error instanceof Error ? error.message : String(error);
  return new OfsError('STORE_UNAVAILABLE', {
    message: `${where} failed: ${code ?? reason}${status === undefined ? '' : ` (HTTP ${status})`}`,
    details,
    cause: error,
    // An unexpected 4xx will fail the same way again: don't let the backoff spin on it.
    retryable: transient,
  });
}
