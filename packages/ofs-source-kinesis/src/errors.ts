import { isOfsError, OfsError } from '@ofs/contracts';

interface SdkErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The service's error name (`ResourceNotFoundException`, …) of an SDK error. */
export function kinesisCodeOf(error: unknown): string | undefined {
  const name = (error as SdkErrorShape | null)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

const DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'KMSAccessDeniedException',
]);

/**
 * Maps a failed Kinesis call to a catalogued `OfsError`: a missing stream or refused credentials
 * are `REPLAY_SOURCE_NOT_FOUND` naming the stream (final); an abort is `ABORTED`; throttling
 * (`ProvisionedThroughputExceededException`, `LimitExceededException`), an expired iterator, 5xx
 * and network failures are `REPLAY_SOURCE_UNAVAILABLE` (retryable); any other client error is
 * `REPLAY_SOURCE_UNAVAILABLE` marked not retryable. Never carries credentials.
 */
export function toSourceError(error: unknown, stream: string, what: string, signal?: AbortSignal): OfsError {
  if (isOfsError(error)) return error as OfsError;
  const code = kinesisCodeOf(error);
  const rawStatus = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const details = { stream, operation: what, kinesis_code: code ?? null, http_status: status ?? null };
  if (signal?.aborted || code === 'AbortError')
    return new OfsError('ABORTED', { message: `${what} on Kinesis stream ${stream}: aborted`, details, cause: error });
  if (code === 'ResourceNotFoundException') {
    return new OfsError('REPLAY_SOURCE_NOT_FOUND', {
      message: `Kinesis stream "${stream}" (or its shard) does not exist (${what})`,
      details,
      cause: error,
    });
  }
  if ((code !== undefined && DENIED.has(code)) || status === 403) {
    return new OfsError('REPLAY_SOURCE_NOT_FOUND', {
      message: `access to Kinesis stream "${stream}" was denied (${code ?? status}) during ${what}`,
      details,
      cause: error,
    });
  }
  const transient =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    code === 'ProvisionedThroughputExceededException' ||
    code === 'LimitExceededException' ||
    code === 'ExpiredIteratorException' ||
    code === 'KMSThrottlingException';
  const reason = error instanceof Error ? error.message : String(error);
  return new OfsError('REPLAY_SOURCE_UNAVAILABLE', {
    message: `${what} on Kinesis stream "${stream}" failed: ${code ?? reason}${status === undefined ? '' : ` (HTTP ${status})`}`,
    details,
    cause: error,
    retryable: transient,
  });
}
