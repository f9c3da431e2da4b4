import { isOfsError, type ObjectStore, OfsError, type RunRecord, type RunState, type ShardClaim } from '@ofs/contracts';
import type { ClaimResult, SubmitResult } from '@ofs/ledger';
import type { CorridorSubmitOptions, WorkOptions, WorkSummary } from './corridor-types.js';
import { scanInbox } from './inbox.js';

/** What the loop needs from the corridor. */
export interface WorkOps {
  claim(platformRunId: string | undefined, signal: AbortSignal | undefined): Promise<ClaimResult | undefined>;
  execute(claimed: ClaimResult, signal: AbortSignal | undefined): Promise<RunRecord>;
  submit(intent: unknown, options: CorridorSubmitOptions): Promise<SubmitResult>;
  readonly store: ObjectStore;
  /** Shard tasks of fanned-out runs: claimed before runs, so runs in flight finish first. */
  readonly shards?: {
    claim(signal: AbortSignal | undefined): Promise<ShardClaim | undefined>;
    /** Builds the shard; `true` when its result was stored. */
    run(claimed: ShardClaim, signal: AbortSignal | undefined): Promise<boolean>;
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The job worker loop: `concurrency` lanes, each claiming a shard task of a fanned-out run (when
 * the corridor has shard tasks) or else the oldest runnable run (QUEUED, an expired RUNNING lease,
 * or a due PUBLISH_PENDING) and driving it to its next state. With `once`
 * a lane stops when nothing is claimable; otherwise it polls until `signal` aborts. A failure of
 * one run becomes that run's state and never stops the loop.
 */
export async function workLoop(options: WorkOptions, ops: WorkOps): Promise<WorkSummary> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', { message: `concurrency must be 1–64, got ${concurrency}` });
  }
  if (options.inbox && options.platformRunId === undefined) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', { message: 'the inbox is read per platform run: pass platformRunId with inbox' });
  }
  const pollMs = options.pollMs ?? 1_000;
  const signal = options.signal;
  const states: Partial<Record<RunState, number>> = {};
  const inbox = { submitted: 0, rejected: 0 };
  let started = 0;
  let processed = 0;
  let shards = 0;
  let inboxScan: Promise<void> | undefined;

  const readInbox = (): Promise<void> => {
    if (!options.inbox || options.platformRunId === undefined) return Promise.resolve();
    inboxScan ??= scanInbox(ops.store, options.platformRunId, ops.submit, signal ? { signal } : {})
      .then((scan) => {
        inbox.submitted += scan.submitted;
        inbox.rejected += scan.rejected;
      })
      .catch((error: unknown) => {
        if (isOfsError(error, 'ABORTED')) return;
        if (options.once) throw error;
      })
      .finally(() => {
        inboxScan = undefined;
      });
    return inboxScan;
  };

  const lane = async (): Promise<void> => {
    while (!signal?.aborted) {
      if (options.maxRuns !== undefined && started >= options.maxRuns) return;
      await readInbox();
      let shard: ShardClaim | undefined;
      let claimed: ClaimResult | undefined;
      try {
        shard = await ops.shards?.claim(signal);
        if (shard === undefined) claimed = await ops.claim(options.platformRunId, signal);
      } catch (error) {
        if (isOfsError(error, 'ABORTED')) return;
        // A non-retryable failure (the corridor is locked by another process, the database is
        // newer than this code) does not heal by polling: stop and say so.
        if (options.once || (isOfsError(error) && !error.retryable)) throw error;
        await sleep(pollMs, signal);
        continue;
      }
      if (shard) {
        try {
          if (await ops.shards?.run(shard, signal)) shards++;
        } catch (error) {
          // Only the ledger failing gets here: the shard's lease lapses and another worker takes it.
          if (options.once && !isOfsError(error, 'ABORTED')) throw error;
        }
        continue;
      }
      if (!claimed) {
        if (options.once) return;
        await sleep(pollMs, signal);
        continue;
      }
      started++;
      try {
        const run = await ops.execute(claimed, signal);
        processed++;
        states[run.state] = (states[run.state] ?? 0) + 1;
      } catch (error) {
        // Only the ledger itself failing gets here; the lease expires and the run resumes later.
        if (options.once && !isOfsError(error, 'ABORTED')) throw error;
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, lane));
  return { processed, states, inbox, shards };
}
