import { isOfsError, OfsError } from '@ofs/contracts';

/** JetStream API error code of "stream not found". */
const STREAM_NOT_FOUND = 10059;
/** NATS client codes that mean the credentials or permissions are refused: retrying cannot help. */
const DENIED = new Set(['PERMISSIONS_VIOLATION', 'AUTHORIZATION_VIOLATION', 'AUTHENTICATION_EXPIRED', 'BAD_AUTHENTICATION']);

interface NatsLikeError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly api_error?: { readonly err_code?: unknown; readonly description?: unknown };
}

/**
 * Maps a NATS client failure to a catalogued `OfsError`: a missing stream or refused credentials
 * are `REPLAY_SOURCE_NOT_FOUND` (not retryable, naming the stream); everything else (refused or
 * closed connections, timeouts, no responders) is `REPLAY_SOURCE_UNAVAILABLE` (retryable). An
 * `OfsError` passes through unchanged. Messages never carry credentials: only the stream, the
 * subject and the client's error code.
 */
export function toSourceError(error: unknown, stream: string, what: string): OfsError {
  if (isOfsError(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as NatsLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (e.api_error?.err_code === STREAM_NOT_FOUND) {
    return new OfsError('REPLAY_SOURCE_NOT_FOUND', {
      message: `JetStream stream "${stream}" does not exist (${what})`,
      details: { stream },
      cause: error,
    });
  }
  if (code !== undefined && DENIED.has(code)) {
    return new OfsError('REPLAY_SOURCE_NOT_FOUND', {
      message: `NATS refused access to stream "${stream}" (${code}; ${what})`,
      details: { stream, client_code: code },
      cause: error,
    });
  }
  return new OfsError('REPLAY_SOURCE_UNAVAILABLE', {
    message: `NATS JetStream unavailable for stream "${stream}" (${code ?? (error instanceof Error ? error.name : 'error')}; ${what})`,
    details: { stream, ...(code === undefined ? {} : { client_code: code }) },
    cause: error,
  });
}

/** `true` for the JetStream API answer "no message found" (a subject with no message at or after a sequence). */
export function isNoMessage(error: unknown): boolean {
  const e = (typeof error === 'object' && error !== null ? error : {}) as NatsLikeError;
  return e.api_error?.err_code === 10037 || e.code === '404';
}
