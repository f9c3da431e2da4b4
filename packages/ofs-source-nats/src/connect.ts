import { type BackoffOptions, withBackoff } from '@ofs/contracts';
import { type ConnectionOptions, connect, type NatsConnection } from 'nats';
import { toSourceError } from './errors.js';

/** Options of `connectNats`: the client's connection options plus the retry schedule. */
export interface ConnectNatsOptions extends ConnectionOptions {
  /** Retries of a refused or timed-out connection (see `withBackoff`; default 5 attempts). */
  readonly retry?: BackoffOptions;
  /** Names the stream in errors (the connection itself is not bound to one). */
  readonly stream?: string;
}

/**
 * Connects to NATS with the shared backoff: an unreachable server is
 * `REPLAY_SOURCE_UNAVAILABLE` (retryable) once `retry` is spent, refused credentials
 * `REPLAY_SOURCE_NOT_FOUND`. Credentials go in `options` (from the environment, by the caller);
 * they never appear in an error.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const { retry, stream, ...connectionOptions } = options;
  return withBackoff(
    async () => {
      try {
        return await connect({ reconnect: false, ...connectionOptions });
      } catch (error) {
        throw toSourceError(error, stream ?? '(any)', 'connect');
      }
    },
    { ...retry },
  );
}
