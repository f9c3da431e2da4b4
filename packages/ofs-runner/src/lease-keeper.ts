import { isOfsError, type OfsError } from '@ofs/contracts';

/** A lease kept alive while work runs under it (`keepLease`). */
export interface LeaseKeeper {
  /** Aborted when `outer` aborts or the lease is lost. */
  readonly signal: AbortSignal;
  /** The error that lost the lease, if it was lost. */
  lost(): OfsError | undefined;
  /** Stops renewing and forgets `outer`. */
  stop(): void;
}

/**
 * Renews a lease every third of `leaseMs` with `renew` while work runs: a renewal that fails with
 * one of `lostCodes` (another worker owns it now) aborts `signal`; any other failure (the ledger
 * briefly down) is retried on the next tick, which the lease is long enough to survive.
 */
export function keepLease(
  renew: () => Promise<unknown>,
  leaseMs: number,
  outer: AbortSignal | undefined,
  lostCodes: readonly string[] = ['LEASE_LOST'],
): LeaseKeeper {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  let lost: OfsError | undefined;
  const timer = setInterval(
    () => {
      renew().catch((error: unknown) => {
        if (isOfsError(error) && lostCodes.includes(error.code)) {
          lost = error;
          controller.abort(error);
        }
      });
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  timer.unref?.();
  return {
    signal: controller.signal,
    lost: () => lost,
    stop() {
      clearInterval(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}
