import type { AbortOptions } from './common.js';

/** Where a shard task is: waiting, held under a lease, or built. */
export type ShardTaskState = 'PENDING' | 'LEASED' | 'DONE';

/**
 * The pinned inputs a shard is built against. The fan-out writes the run's pins; a shard records
 * what it actually read; the merge refuses a shard whose pins differ from the run's.
 */
export interface ShardPins {
  /** The plan (its replay basis, cutoffs and pins). */
  readonly plan_id: string;
  /** The run configuration's digest (policy, profiles, pins). */
  readonly run_config_digest: string;
  /** The resolved feature profile's digest. */
  readonly profile_digest: string;
  /** The label store's state marker as of the plan's label cutoff. */
  readonly label_state_marker: string;
}

/** A shard task to create (`ShardTaskStore.fanOut`). */
export interface NewShardTask {
  /** The shard's number: the rank of its topic partition in the plan's replay basis. */
  readonly shard: number;
  readonly topic: string;
  readonly partition: number;
  /** What the fan-out agreed for this shard (JSON): its slices and the duplicates it leaves out. */
  readonly spec: Readonly<Record<string, unknown>>;
}

/** A shard task as stored. */
export interface ShardTask extends NewShardTask {
  readonly run_key: string;
  readonly plan_id: string;
  readonly state: ShardTaskState;
  /** The pins of the fan-out. */
  readonly pins: ShardPins;
  /** Claims so far (1 after the first claim). */
  readonly attempts: number;
  /** Fencing token: grows by one with every claim; only the latest claim's token is accepted. */
  readonly fence: number;
  /** The live or lapsed lease (`null` when `PENDING` or `DONE`). */
  readonly lease: { readonly token: string; readonly worker: string; readonly expires_at_ms: number } | null;
  /** The shard's result (JSON), set by `complete`; `null` until `DONE`. */
  readonly result: Readonly<Record<string, unknown>> | null;
}

/** A claimed shard task and the token every later call about it must present. */
export interface ShardClaim {
  readonly task: ShardTask;
  readonly token: string;
}

/** Input of `ShardTaskStore.claim`. */
export interface ShardClaimInput {
  readonly worker: string;
  readonly leaseMs: number;
  /** Now, in epoch ms: a `LEASED` task whose lease expires at or before it is claimable again. */
  readonly nowMs: number;
  /** Only tasks of this run. */
  readonly runKey?: string;
}

/**
 * Storage of shard tasks (issue 17: one run fanned out over many processes). A run's tasks are
 * created once per plan by `fanOut`; any worker `claim`s a `PENDING` task or one whose lease
 * lapsed, under a new lease with a new fencing token; `complete` stores the result only under
 * the latest token (`LEASE_LOST` otherwise). Every call is atomic.
 *
 * Failures of the backing database surface as `OfsError('LEDGER_UNAVAILABLE')` (retryable).
 */
export interface ShardTaskStore {
  /**
   * Creates the tasks of `(runKey, pins.plan_id)` unless that run already has tasks for that plan;
   * returns the stored tasks by ascending `shard` and whether this call created them.
   */
  fanOut(
    runKey: string,
    pins: ShardPins,
    tasks: readonly NewShardTask[],
    options?: AbortOptions,
  ): Promise<{ created: boolean; tasks: ShardTask[] }>;
  /** Claims the lowest-numbered claimable task (of `input.runKey` when given), oldest run first; `undefined` when none. */
  claim(input: ShardClaimInput, options?: AbortOptions): Promise<ShardClaim | undefined>;
  /** Extends the lease to `nowMs + leaseMs`; `LEASE_LOST` unless `token` is the task's live claim. */
  heartbeat(
    runKey: string,
    planId: string,
    shard: number,
    token: string,
    leaseMs: number,
    nowMs: number,
    options?: AbortOptions,
  ): Promise<void>;
  /**
   * `LEASED → DONE` with `result`, under the latest claim's token (even if its lease lapsed, as long
   * as nobody claimed the task since); `LEASE_LOST` otherwise. Returns how many tasks of the run's
   * plan are not `DONE` yet.
   */
  complete(
    runKey: string,
    planId: string,
    shard: number,
    token: string,
    result: Readonly<Record<string, unknown>>,
    options?: AbortOptions,
  ): Promise<{ remaining: number }>;
  /** Puts tasks back to `PENDING` (result and lease cleared): shards the merge refused. */
  reset(runKey: string, planId: string, shards: readonly number[], options?: AbortOptions): Promise<void>;
  /** The tasks of one run's plan, by ascending `shard` (`[]` when none). */
  list(runKey: string, planId: string, options?: AbortOptions): Promise<ShardTask[]>;
  /** Creates tables if needed (idempotent). Optional. */
  migrate?(options?: AbortOptions): Promise<void>;
  /** Releases resources the store owns. */
  close?(): Promise<void>;
}
