import {
  type AbortOptions,
  type Clock,
  isOfsError,
  type LedgerStore,
  OfsError,
  type RunLease,
  type RunRecord,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { decideClaim, type LedgerPolicy } from '@ofs/ledger';

/** Result of `claimRunByKey`: the claimed run with its lease, or the run as it is when it was not claimable. */
export type ClaimByKeyResult = { claimed: true; run: RunRecord; lease: RunLease } | { claimed: false; run: RunRecord };

const MAX_ATTEMPTS = 20;

/**
 * Claims one named run (for `runBuild` / `retryPublish`), with the ledger's own claim decision
 * (`decideClaim`: QUEUED → FULL, PUBLISH_PENDING → PUBLISH_ONLY, an expired RUNNING lease →
 * resume; budgets checked) and one compare-and-set. A run that is terminal, held under a live
 * lease or waiting out its requeue backoff (unless `ignoreBackoff`) is returned unclaimed; a spent budget settles it (`FAILED`) and returns it unclaimed.
 */
export async function claimRunByKey(
  store: LedgerStore,
  runKey: string,
  input: { worker: string; leaseMs: number; clock: Clock; policy: LedgerPolicy; ignoreBackoff?: boolean },
  options: AbortOptions = {},
): Promise<ClaimByKeyResult> {
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      throwIfAborted(options.signal);
      const run = await store.get(runKey, options);
      if (!run) throw new OfsError('RUN_NOT_FOUND', { message: `no run with run_key ${runKey}`, details: { run_key: runKey } });
      const decision = decideClaim(run, {
        worker: input.worker,
        leaseMs: input.leaseMs,
        now: input.clock.now(),
        policy: input.policy,
        ...(input.ignoreBackoff ? { ignoreNotBefore: true } : {}),
      });
      if (decision.kind === 'skip') return { claimed: false, run };
      const result = await store.update(runKey, { state: run.state, version: run.version }, decision.next, decision.events, options);
      if (!result.applied) continue;
      if (decision.kind === 'settle' || result.run.lease === null) return { claimed: false, run: result.run };
      return { claimed: true, run: result.run, lease: result.run.lease };
    }
    throw new OfsError('LEDGER_UNAVAILABLE', { message: `run ${runKey} changed under ${MAX_ATTEMPTS} consecutive claims; retry` });
  } catch (error) {
    if (isOfsError(error)) throw error;
    throw toOfsError(error, 'LEDGER_UNAVAILABLE', 'ledger store failed');
  }
}
