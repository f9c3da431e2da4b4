import type { TracerProvider } from '@opentelemetry/api';
import type {
  Clock,
  FeatureProfiles,
  JsonObject,
  LabelStore,
  LedgerStore,
  ObjectStore,
  OfsErrorCode,
  OfsPolicy,
  ReplaySource,
  RunRecord,
  RunState,
  ShardTaskStore,
} from '@ofs/contracts';
import type { Ledger, RequeueBackoff, SubmitResult } from '@ofs/ledger';
import type { RestoreManifestResult } from './restore-manifest.js';
import type { CorridorPins } from './run-config.js';

/** The ports, policy and pins a corridor is composed of. */
export interface CorridorDeps {
  /** Object store of every artifact (plans, receipts, parts, manifests). */
  readonly store: ObjectStore;
  /**
   * The ledger's storage. The corridor drives it through `@ofs/ledger`'s `createLedger` with its
   * own `clock` and `policy`, so the budgets the ledger enforces are the policy's.
   */
  readonly ledger: LedgerStore;
  /** The event bus replay source. */
  readonly eb: ReplaySource;
  /** The Archive replay source. */
  readonly archive: ReplaySource;
  /** The label store (read by batch). */
  readonly labels: LabelStore;
  /** Versioned feature profiles. */
  readonly profiles: FeatureProfiles;
  /** Time for ledger timestamps and leases only (default: the system clock). */
  readonly clock?: Clock;
  /** The OFS policy (validated with `parseOfsPolicy`). */
  readonly policy: OfsPolicy;
  /** Config revision and code release this corridor runs. */
  readonly pins: CorridorPins;
  /** Worker name on leases and events (default `ofs-<pid>-<random>`). */
  readonly worker?: string;
  /**
   * Worker threads for reconstruction (default 1: on the 2-core machines measured, 2 threads were
   * no faster and used twice the memory — bench/results/shards.md, D119). With more than one
   * thread and more than one topic partition in the plan, partitions are built on worker threads
   * (`@ofs/publish` `reconstructSharded`); the bytes are the same for any count.
   */
  readonly threads?: number;
  /**
   * Shard tasks of runs fanned out over worker processes (a PostgreSQL server's ledger:
   * `createPostgresShardTaskStore`). With it, this corridor's workers also claim and build shard
   * tasks of any run (D120).
   */
  readonly shardTasks?: ShardTaskStore;
  /**
   * Fan the runs this corridor builds out into shard tasks, one per topic partition (needs
   * `shardTasks`; default false). Any worker on the same ledger builds shards; the run's worker
   * merges and publishes. The bytes are those of a one-thread build.
   */
  readonly fanOut?: boolean;
  /** Lease length in ms (default 30,000); heartbeats renew it every third of it. */
  readonly leaseMs?: number;
  /**
   * Wait before a run that failed retryably (requeued, or publication pending) may be claimed
   * again: exponential with jitter (`@ofs/ledger` `DEFAULT_REQUEUE_BACKOFF`: 2 s, 4 s, … up to
   * 2 min, each between half and all of it). `{ baseMs: 0 }` retries at once.
   */
  readonly requeueBackoff?: RequeueBackoff;
  /** Extra outcome-affecting settings folded into the run-config digest (never secrets). */
  readonly configExtra?: JsonObject;
  /** Receives progress events (stage starts and ends); must not throw. */
  readonly onProgress?: (event: CorridorProgress) => void;
  /**
   * Where build and stage spans go (`@opentelemetry/api`); default: the global provider, a no-op
   * unless the host registered one. One trace per build, a child span per stage.
   */
  readonly tracerProvider?: TracerProvider;
}

/** A stage of a build, in order. */
export type CorridorStage = 'config' | 'plan' | 'parity' | 'preflight' | 'replay' | 'reconstruct' | 'publish';

/** Running totals inside the replay → reconstruction stage (display only). */
export interface CorridorCounters {
  /** Replay records read so far (duplicate deliveries included). */
  readonly records_read: number;
  /** Offsets in the plan's replay basis: an upper bound on the records to read (for the ETA). */
  readonly records_expected: number;
  /** Subjects whose labels were resolved so far. */
  readonly labels_resolved: number;
  /** Rows written to parts so far. */
  readonly rows_written: number;
}

/**
 * A progress event of a run: a stage starting or ending (`counters` absent), or — while records
 * stream through replay and reconstruction — running totals (`counters` present, frequent).
 */
export interface CorridorProgress {
  readonly run_key: string;
  readonly stage: CorridorStage | 'done';
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly counters?: CorridorCounters;
}

/** Options of `submit`. */
export interface CorridorSubmitOptions {
  /** Manifest ids the new dataset supersedes (a backfill). */
  readonly supersedes?: readonly string[];
  /** Why the backfill was requested (required with `supersedes`). */
  readonly backfillReason?: string;
  readonly signal?: AbortSignal;
}

/** Options of `work`. */
export interface WorkOptions {
  /** Stop when no run is claimable (default `false`: poll until `signal` aborts). */
  readonly once?: boolean;
  /** Stops the loop; a claimed run's lease is released, the run itself is not cancelled. */
  readonly signal?: AbortSignal;
  /** Runs built at the same time (default 1). */
  readonly concurrency?: number;
  /** Only claim runs of this platform run. */
  readonly platformRunId?: string;
  /** Also submit requests dropped under `{platformRunId}/ofs/inbox/` (needs `platformRunId`). */
  readonly inbox?: boolean;
  /** Sleep between polls when idle, in ms (default 1,000). */
  readonly pollMs?: number;
  /** Stop after this many runs were processed (default: no limit). */
  readonly maxRuns?: number;
}

/** What `work` did. */
export interface WorkSummary {
  /** Runs this call claimed and drove to a state. */
  readonly processed: number;
  /** Their end states. */
  readonly states: Partial<Record<RunState, number>>;
  /** Inbox requests submitted and rejected. */
  readonly inbox: { readonly submitted: number; readonly rejected: number };
  /** Shard tasks of fanned-out runs this call built and stored (0 without shard tasks). */
  readonly shards: number;
}

/** What `planOnly` answers: the plan (no record read) and replay feasibility from coverage. */
export interface PlanOnlyResult {
  readonly plan: unknown;
  readonly planKey: string;
  readonly runConfigDigest: string;
  readonly feasibility: unknown;
  /** The manifest already published for this plan, if any (a build would converge to it). */
  readonly publishedManifestKey: string | null;
}

/** The ready composition: submit, build, retry publication, plan, and the worker loop. */
export interface Corridor {
  /** The ledger the corridor drives (status, events, cancel). */
  readonly ledger: Ledger;
  /** Validates and submits an intent, stamping this corridor's run-config digest. Idempotent by request id. */
  submit(intent: unknown, options?: CorridorSubmitOptions): Promise<SubmitResult>;
  /**
   * Claims the named run and drives it to a state in this process (QUEUED → full build, an
   * expired RUNNING lease → resume, PUBLISH_PENDING → publication only). A terminal run is returned
   * as is; a run under another worker's live lease is `RUN_STATE_INVALID`.
   */
  runBuild(runKey: string, options?: { signal?: AbortSignal }): Promise<RunRecord>;
  /**
   * Retries publication of a PUBLISH_PENDING run from its own stored artifacts (reloaded by key and
   * verified against their digests); never re-runs replay. For a DONE run it re-creates a missing
   * manifest (`restoreManifest`) and returns the run unchanged. Other states are `RUN_STATE_INVALID`.
   */
  retryPublish(runKey: string, options?: { signal?: AbortSignal }): Promise<RunRecord>;
  /**
   * Re-creates the lost manifest of a DONE run, byte-identical, from the run's verified stored
   * artifacts (never a caller-supplied draft); a present manifest is left alone. See `restoreManifest`.
   */
  restoreManifest(runKey: string, options?: { signal?: AbortSignal }): Promise<RestoreManifestResult>;
  /** Resolves the plan and replay feasibility without reading records or touching the ledger. */
  planOnly(intent: unknown, options?: { signal?: AbortSignal }): Promise<PlanOnlyResult>;
  /** The job worker: claims runs through leases, heartbeats, resumes expired leases. */
  work(options?: WorkOptions): Promise<WorkSummary>;
  /** This corridor's run-config digest for an intent. */
  runConfigDigest(intent: unknown, options?: { signal?: AbortSignal }): Promise<string>;
}

/** A failure a run ended with, as reported in summaries. */
export interface RunFailure {
  readonly code: OfsErrorCode;
  readonly message: string;
}
