import type { RunEvent, RunEventType, RunRecord, RunState } from '../records/run.js';
import type { AbortOptions } from './common.js';

/**
 * An event to append. The store assigns `run_key` and the per-run `seq` (1, 2, 3, … with no gaps)
 * inside the same transaction that writes the run, so concurrent moves never collide.
 */
export interface NewRunEvent {
  readonly type: RunEventType;
  readonly from_state: RunState | null;
  readonly to_state: RunState;
  readonly at_ms: number;
  readonly worker: string | null;
  /** Structured details (JSON only). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** The state a compare-and-set expects to find. */
export interface RunExpectation {
  readonly state: RunState;
  readonly version: number;
}

/** Result of `LedgerStore.update`: applied, or the run as it is now (`undefined` when absent). */
export type LedgerUpdateResult = { applied: true; run: RunRecord } | { applied: false; run: RunRecord | undefined };

/** What `claimNext`'s decision callback wants done with a claimable run. */
export type ClaimDecision =
  /** Take the run: write `next` (state `RUNNING`) and append `events`; `claimNext` returns it. */
  | { readonly kind: 'claim'; readonly next: RunRecord; readonly events: readonly NewRunEvent[] }
  /** Write `next` (e.g. `FAILED` when a budget is spent) and look for another run. */
  | { readonly kind: 'settle'; readonly next: RunRecord; readonly events: readonly NewRunEvent[] }
  /** Leave the run untouched and look for another one. */
  | { readonly kind: 'skip' };

/** Which runs `claimNext` may consider. */
export interface ClaimQuery {
  /**
   * Now, in epoch ms: a `RUNNING` run whose lease expires at or before it is claimable, and a
   * `QUEUED` / `PUBLISH_PENDING` run only when its `not_before_ms` is absent, `null` or at or before it.
   */
  readonly now_ms: number;
  /** Only runs of this platform run. */
  readonly platform_run_id?: string;
}

/** Filter and page of `LedgerStore.list`. */
export interface RunListQuery {
  /** Only runs of this platform run. */
  readonly platform_run_id?: string;
  /** Only runs in one of these states. */
  readonly states?: readonly RunState[];
  /** Resume strictly after this run key (runs are listed in ascending `run_key` order). */
  readonly after?: string;
  /** At most this many runs. */
  readonly limit?: number;
}

/**
 * Storage of the run ledger: runs with compare-and-set moves, append-only events, and lease
 * claims. The state machine itself lives in `@ofs/ledger`; a store only guarantees atomicity:
 * every write of a run and its events happens in one transaction, and only when the run is still
 * in the expected state and version.
 *
 * Failures of the backing database surface as `OfsError('LEDGER_UNAVAILABLE')` (retryable),
 * never as raw driver errors.
 */
export interface LedgerStore {
  /**
   * Creates `run` with its first `events` unless a run with the same `run_key` exists. Concurrent
   * creates of one key: exactly one gets `created: true`; the others get the stored run.
   */
  create(run: RunRecord, events: readonly NewRunEvent[], options?: AbortOptions): Promise<{ created: boolean; run: RunRecord }>;
  /** The run, or `undefined` when no run has that key. */
  get(runKey: string, options?: AbortOptions): Promise<RunRecord | undefined>;
  /**
   * Compare-and-set: writes `next` (whose `version` must be `expected.version + 1`) and appends
   * `events`, iff the stored run is in `expected.state` at `expected.version`. Otherwise changes
   * nothing and returns the run as it is.
   */
  update(
    runKey: string,
    expected: RunExpectation,
    next: RunRecord,
    events: readonly NewRunEvent[],
    options?: AbortOptions,
  ): Promise<LedgerUpdateResult>;
  /**
   * Claims one run atomically: considers claimable runs — `QUEUED` and `PUBLISH_PENDING` whose
   * `not_before_ms` has passed, and `RUNNING` with a lease expiring at or before `query.now_ms` — oldest first (by `created_at_ms`,
   * then submission order), skipping runs another caller holds at this moment, and asks `decide`
   * what to do with each until it answers `claim` or no candidate is left. `decide` must be pure
   * and synchronous. Concurrent callers never get the same run from one claimable state.
   */
  claimNext(query: ClaimQuery, decide: (run: RunRecord) => ClaimDecision, options?: AbortOptions): Promise<RunRecord | undefined>;
  /** Runs matching `query`, in ascending `run_key` order. */
  list(query: RunListQuery, options?: AbortOptions): Promise<RunRecord[]>;
  /** Every event of the run, by ascending `seq`; `[]` when the run does not exist. */
  events(runKey: string, options?: AbortOptions): Promise<RunEvent[]>;
  /** Creates tables or other structures if needed (idempotent). Optional: stores may do it lazily. */
  migrate?(options?: AbortOptions): Promise<void>;
  /** Releases resources the store owns (not a client or pool passed in). */
  close?(): Promise<void>;
}
