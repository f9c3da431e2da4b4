import { isOfsError, OfsError } from './errors.js';

/** How `withBackoff` spaces and bounds its retries. */
export interface BackoffOptions {
  /** Attempts in all, the first included (default 5). `1` means no retry. */
  readonly attempts?: number;
  /** Delay before the first retry, in ms (default 100). */
  readonly baseMs?: number;
  /** Upper bound of one delay, in ms (default 10,000). */
  readonly maxMs?: number;
  /** Growth factor between retries (default 2). */
  readonly factor?: number;
  /**
   * Jitter as a fraction of the delay, in [0, 1] (default 1: "full jitter", a delay drawn
   * uniformly from [0, d]). `0` gives the exact exponential schedule, for tests.
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1) (default `Math.random`); inject a fixed one in tests. */
  readonly random?: () => number;
  /** Waits `ms` or rejects on abort (default: a timer). Injected by tests to run without waiting. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Which failures are worth another attempt (default: `OfsError`s with `retryable: true`). */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each wait with the attempt that failed (1-based), the error and the delay. */
  readonly onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
  /** Aborts both the waiting and further attempts (`OfsError('ABORTED')`). */
  readonly signal?: AbortSignal;
}

const DEFAULTS = { attempts: 5, baseMs: 100, maxMs: 10_000, factor: 2, jitter: 1 } as const;

/**
 * The delay before retry number `retry` (1 = the first retry): `min(maxMs, baseMs·factor^(retry−1))`,
 * reduced by up to `jitter` of itself with `random()`. Pure, so the ledger's requeue (`not_before`)
 * and the adapters share one schedule.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}, random: () => number = options.random ?? Math.random): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new OfsError('SCHEMA_INVALID', { message: `backoffDelay: retry must be a whole number ≥ 1, got ${String(retry)}` });
  }
  const baseMs = options.baseMs ?? DEFAULTS.baseMs;
  const maxMs = options.maxMs ?? DEFAULTS.maxMs;
  const factor = options.factor ?? DEFAULTS.factor;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? DEFAULTS.jitter));
  const ceiling = Math.min(maxMs, baseMs * factor ** (retry - 1));
  return Math.round(ceiling * (1 - jitter * random()));
}

function abortError(signal: AbortSignal): OfsError {
  return new OfsError('ABORTED', { message: 'aborted while waiting to retry', cause: signal.reason });
}

/** Waits `ms`, rejecting with `OfsError('ABORTED')` as soon as `signal` aborts. */
export function sleepWithSignal(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `operation` until it succeeds, a failure is not retryable, or `attempts` are spent, waiting
 * an exponentially growing, jittered delay between attempts. The last failure is rethrown as it
 * was (adapters map raw driver errors to catalogued `OfsError`s before they reach here, so an
 * exhausted retry surfaces a retryable catalogued code). Abortable at any point.
 */
export async function withBackoff<T>(operation: (attempt: number) => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? DEFAULTS.attempts));
  const isRetryable = options.isRetryable ?? ((error: unknown) => isOfsError(error) && error.retryable);
  const sleep = options.sleep ?? sleepWithSignal;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || isOfsError(error, 'ABORTED')) throw error;
      const delayMs = backoffDelay(attempt, options);
      options.onRetry?.({ attempt, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}
