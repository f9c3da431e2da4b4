import {
  type AbortOptions,
  backoffDelay,
  type BuildIntent,
  type Clock,
  type LedgerStore,
  OfsError,
  type RunError,
  type RunEvent,
  type RunLease,
  type RunRecord,
  type RunState,
  isOfsError,
  OFS_ERROR_CATALOGUE,
  parseBuildIntent,
  RUN_STATES,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { intentPayloadHash, runKey as runKeyOf } from '@ofs/ids';
import {
  decideClaim,
  type FencedPlan,
  type LedgerPolicy,
  type PlannedMove,
  planCancel,
  planComplete,
  planFail,
  planHeartbeat,
  planPublishPending,
  planRecord,
  planRelease,
  planRequeue,
  type RunCompletion,
} from './moves.js';

/** Options of `submit`. */
export interface SubmitOptions extends AbortOptions {
  /** Manifest ids this run's dataset supersedes. */
  supersedes?: readonly string[];
  /** Why a superseding (backfill) build was requested. */
  backfillReason?: string;
  /** Digest of the outcome-affecting configuration the submitter resolved (checked by the worker). */
  runConfigDigest?: string;
}

/** Result of `submit`: the run, and whether this call created it. */
export interface SubmitResult {
  readonly run: RunRecord;
  readonly created: boolean;
}

/** Input of `claim`. */
export interface ClaimInput {
  /** Who claims (recorded on the lease and events). */
  readonly worker: string;
  /** Lease length in ms; the run becomes claimable by others when it lapses without a heartbeat. */
  readonly leaseMs: number;
  /** Only runs of this platform run. */
  readonly platformRunId?: string;
}

/** A claimed run and the lease every later move must present. */
export interface ClaimResult {
  readonly run: RunRecord;
  readonly lease: RunLease;
}

/** The error a worker reports with `fail`, `requeue` or `publishPending`. */
export interface RunErrorInput {
  readonly code: RunError['code'];
  readonly message: string;
  /** Defaults to the catalogue's retryability of `code`. */
  readonly retryable?: boolean;
  /** The stage that failed (plan, replay, labels, publish, …). */
  readonly stage?: string;
}

/** Filter of `list`. */
export interface ListRunsInput {
  readonly platformRunId?: string;
  readonly states?: readonly RunState[];
  /** Resume strictly after this run key. */
  readonly after?: string;
  /** At most this many runs (1–10,000; default 1,000). */
  readonly limit?: number;
}

/** A fenced audit or progress fact (`record`). */
export interface RecordInput {
  readonly type: 'STAGE' | 'EVIDENCE_REF';
  /** JSON details: stage name and counts, `plan_id`, or a ref audit (actor, ref, purpose, outcome). */
  readonly details: Record<string, unknown>;
}

/**
 * How long a run waits after a retryable failure before it may be claimed again: `backoffDelay`
 * of `@ofs/contracts` (exponential, with jitter) for retry n = the attempt that failed. Recorded
 * as the run's `not_before_ms` and in the `REQUEUED` / `PUBLISH_PENDING` event details.
 */
export interface RequeueBackoff {
  /** Delay after the first failure, in ms (default 2,000). `0` turns the backoff off. */
  readonly baseMs?: number;
  /** Upper bound of one delay, in ms (default 120,000). */
  readonly maxMs?: number;
  /** Growth per failure (default 2). */
  readonly factor?: number;
  /** Fraction of the delay drawn at random, in [0, 1] (default 0.5: between half and all of it). */
  readonly jitter?: number;
  /** Randomness in [0, 1) (default `Math.random`); inject a fixed one in tests. */
  readonly random?: () => number;
}

/** The defaults of `RequeueBackoff`. */
export const DEFAULT_REQUEUE_BACKOFF = { baseMs: 2_000, maxMs: 120_000, factor: 2, jitter: 0.5 } as const;

/** Dependencies of `createLedger`. */
export interface LedgerDeps {
  readonly store: LedgerStore;
  readonly clock: Clock;
  /** The budgets (an `OfsPolicy` works). */
  readonly policy: LedgerPolicy;
  /** Backoff before a requeued or publish-pending run is claimable again (default `DEFAULT_REQUEUE_BACKOFF`). */
  readonly requeueBackoff?: RequeueBackoff;
}

/** The run ledger (DESIGN §5). Every method is async and takes `options?: { signal }`. */
export interface Ledger {
  /** Submits an intent, idempotent by `request_id`; another payload under it is `REQUEST_ID_PAYLOAD_MISMATCH`. */
  submit(intent: BuildIntent, options?: SubmitOptions): Promise<SubmitResult>;
  /** The run; `RUN_NOT_FOUND` when absent. */
  get(runKey: string, options?: AbortOptions): Promise<RunRecord>;
  /** Runs by platform run and state, ascending `run_key`. */
  list(input?: ListRunsInput, options?: AbortOptions): Promise<RunRecord[]>;
  /** Claims the oldest runnable run under a new lease, or `undefined` when none is runnable. */
  claim(input: ClaimInput, options?: AbortOptions): Promise<ClaimResult | undefined>;
  /** Extends a live lease to now + `leaseMs`. */
  heartbeat(runKey: string, token: string, leaseMs: number, options?: AbortOptions): Promise<RunRecord>;
  /** `RUNNING → DONE`. */
  complete(runKey: string, token: string, result: RunCompletion, options?: AbortOptions): Promise<RunRecord>;
  /** `RUNNING → FAILED` with a deterministic error. */
  fail(runKey: string, token: string, error: RunErrorInput, options?: AbortOptions): Promise<RunRecord>;
  /** Retryable failure before publication: `QUEUED`, or `FAILED`/`RUN_ATTEMPTS_EXHAUSTED`. */
  requeue(runKey: string, token: string, error: RunErrorInput, options?: AbortOptions): Promise<RunRecord>;
  /** Retryable failure during publication: `PUBLISH_PENDING`, or `FAILED`/`PUBLISH_RETRY_EXHAUSTED`. */
  publishPending(runKey: string, token: string, error: RunErrorInput, options?: AbortOptions): Promise<RunRecord>;
  /** Gives the lease back (an abort) without counting a failure. */
  release(runKey: string, token: string, options?: AbortOptions & { reason?: string }): Promise<RunRecord>;
  /** `QUEUED | RUNNING | PUBLISH_PENDING → CANCELLED` (operator action, no token). */
  cancel(runKey: string, options?: AbortOptions & { reason?: string }): Promise<RunRecord>;
  /** Appends a fenced `STAGE` / `EVIDENCE_REF` event without changing state. */
  record(runKey: string, token: string, input: RecordInput, options?: AbortOptions): Promise<RunRecord>;
  /** Every event of the run by `seq`; `RUN_NOT_FOUND` when absent. */
  events(runKey: string, options?: AbortOptions): Promise<RunEvent[]>;
}

/** Compare-and-set retries before a move gives up with `LEDGER_UNAVAILABLE` (only under extreme contention). */
const MAX_CAS_ATTEMPTS = 50;
const MAX_LIST_LIMIT = 10_000;

function argumentError(message: string, details: Record<string, unknown>): OfsError {
  return new OfsError('LEDGER_ARGUMENT_INVALID', { message, details });
}

function checkPolicy(policy: LedgerPolicy): LedgerPolicy {
  const full = policy?.max_full_run_attempts;
  const publish = policy?.max_publish_retries;
  if (!Number.isSafeInteger(full) || full < 1 || !Number.isSafeInteger(publish) || publish < 0) {
    throw new OfsError('POLICY_INVALID', {
      message: 'ledger policy needs integer max_full_run_attempts >= 1 and max_publish_retries >= 0',
      details: { max_full_run_attempts: full ?? null, max_publish_retries: publish ?? null },
    });
  }
  return { max_full_run_attempts: full, max_publish_retries: publish };
}

function checkBackoff(backoff: RequeueBackoff | undefined): Required<Omit<RequeueBackoff, 'random'>> & Pick<RequeueBackoff, 'random'> {
  const merged = { ...DEFAULT_REQUEUE_BACKOFF, ...(backoff ?? {}) };
  const bad = (['baseMs', 'maxMs', 'factor', 'jitter'] as const).filter((k) => {
    const v = merged[k];
    return typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k === 'jitter' && v > 1) || (k === 'factor' && v < 1);
  });
  if (bad.length > 0) throw argumentError('requeueBackoff needs finite numbers ≥ 0 (factor ≥ 1, jitter ≤ 1)', { fields: bad });
  return merged;
}

function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0)
    throw argumentError('lease token must be a non-empty string', { token: String(token) });
  return token;
}

function checkLeaseMs(leaseMs: unknown): number {
  if (typeof leaseMs !== 'number' || !Number.isSafeInteger(leaseMs) || leaseMs < 1) {
    throw argumentError('leaseMs must be a positive integer of milliseconds', { leaseMs: String(leaseMs) });
  }
  return leaseMs;
}

function checkKey(runKey: unknown): string {
  if (typeof runKey !== 'string' || runKey.length === 0)
    throw argumentError('runKey must be a non-empty string', { runKey: String(runKey) });
  return runKey;
}

function toRunError(input: RunErrorInput): RunError {
  const info = input && typeof input.code === 'string' ? OFS_ERROR_CATALOGUE[input.code] : undefined;
  if (!info) throw argumentError('error.code must be a catalogue code', { code: String(input?.code) });
  if (typeof input.message !== 'string') throw argumentError('error.message must be a string', { code: input.code });
  return {
    code: input.code,
    message: input.message,
    retryable: input.retryable ?? info.retryable,
    ...(input.stage === undefined ? {} : { stage: input.stage }),
  };
}

function jsonCopy<T>(value: T, what: string): T {
  try {
    return JSON.parse(JSON.stringify(value)) as T;
  } catch (error) {
    throw argumentError(`${what} must be JSON`, { cause: error instanceof Error ? error.message : String(error) });
  }
}

/** Fields of a submission other than the intent payload that must match on a duplicate submit. */
function submissionMismatch(existing: RunRecord, wanted: RunRecord): string[] {
  const fields: string[] = [];
  if (existing.intent_payload_hash !== wanted.intent_payload_hash) fields.push('intent');
  if (JSON.stringify(existing.supersedes) !== JSON.stringify(wanted.supersedes)) fields.push('supersedes');
  if (existing.backfill_reason !== wanted.backfill_reason) fields.push('backfill_reason');
  if (existing.run_config_digest !== wanted.run_config_digest) fields.push('run_config_digest');
  return fields;
}

/**
 * `REQUEST_ID_PAYLOAD_MISMATCH` naming what changed. When only the run configuration changed
 * (a profile added, the policy or a pin changed) the intent itself is the same: the message says
 * so, names both digests and the way forward — a new `request_id` (decision D36).
 */
function payloadMismatch(existing: RunRecord, wanted: RunRecord, fields: string[]): OfsError {
  const details = {
    request_id: wanted.request_id,
    run_key: wanted.run_key,
    fields,
    existing_state: existing.state,
    existing_hash: existing.intent_payload_hash,
    submitted_hash: wanted.intent_payload_hash,
    existing_run_config_digest: existing.run_config_digest,
    submitted_run_config_digest: wanted.run_config_digest,
  };
  const onlyConfig = fields.length === 1 && fields[0] === 'run_config_digest';
  const message = onlyConfig
    ? `request_id ${wanted.request_id} was already submitted with the same intent under another run configuration ` +
      `(run_config_digest ${existing.run_config_digest ?? 'none'} then, ${wanted.run_config_digest ?? 'none'} now: ` +
      `the policy, the feature profile, the code release or the config revision changed since); ` +
      `run ${existing.run_key} is ${existing.state} and keeps its configuration — submit the intent under a new request_id ` +
      `to build it under the current configuration`
    : `request_id ${wanted.request_id} was already submitted with a different ${fields.join(', ')}; ` +
      `a request_id names one request for good — submit the changed request under a new request_id`;
  return new OfsError('REQUEST_ID_PAYLOAD_MISMATCH', { message, details });
}

/**
 * Creates the run ledger over a `LedgerStore`. Pure: no I/O of its own; time comes from `clock`.
 *
 * @example
 * const ledger = createLedger({ store: createMemoryLedgerStore(), clock: systemClock, policy });
 * const { run } = await ledger.submit(intent);
 * const claimed = await ledger.claim({ worker: 'w1', leaseMs: 30_000 });
 * if (claimed) await ledger.complete(claimed.run.run_key, claimed.lease.token, result);
 */
export function createLedger({ store, clock, policy, requeueBackoff }: LedgerDeps): Ledger {
  const budgets = checkPolicy(policy);
  const backoff = checkBackoff(requeueBackoff);
  /** The wait before retry number `retry` (1 = after the first failure). */
  const backoffFor = (retry: number): number => (backoff.baseMs === 0 ? 0 : backoffDelay(Math.max(1, retry), backoff));

  const guard = async <T>(options: AbortOptions | undefined, fn: () => Promise<T>): Promise<T> => {
    throwIfAborted(options?.signal);
    try {
      return await fn();
    } catch (error) {
      if (isOfsError(error)) throw error;
      throw toOfsError(error, 'LEDGER_UNAVAILABLE', 'ledger store failed');
    }
  };

  const load = async (runKey: string, options: AbortOptions | undefined): Promise<RunRecord> => {
    const run = await store.get(runKey, options);
    if (!run) throw new OfsError('RUN_NOT_FOUND', { message: `no run with run_key ${runKey}`, details: { run_key: runKey } });
    return run;
  };

  /** Read → plan → compare-and-set, re-planning on a lost race until the plan applies or refuses. */
  const move = async (
    runKey: string,
    options: AbortOptions | undefined,
    plan: (run: RunRecord, now: number) => FencedPlan,
  ): Promise<RunRecord> =>
    guard(options, async () => {
      const key = checkKey(runKey);
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
        throwIfAborted(options?.signal);
        const run = await load(key, options);
        const planned = plan(run, clock.now());
        if (planned.kind === 'noop') return run;
        const { next, events } = planned.move;
        const result = await store.update(key, { state: run.state, version: run.version }, next, events, options);
        if (result.applied) return result.run;
      }
      throw new OfsError('LEDGER_UNAVAILABLE', { message: `run ${key} changed under ${MAX_CAS_ATTEMPTS} consecutive moves; retry` });
    });
  const always = (p: PlannedMove): FencedPlan => ({ kind: 'move', move: p });

  return {
    submit: (intent, options) =>
      guard(options, async () => {
        const parsed = parseBuildIntent(intent);
        const supersedes = [...new Set(options?.supersedes ?? [])].sort();
        if (supersedes.some((s) => typeof s !== 'string' || s.length === 0))
          throw argumentError('supersedes must hold manifest ids', { supersedes });
        const now = clock.now();
        const key = runKeyOf(parsed.request_id);
        const hash = intentPayloadHash(parsed);
        const run: RunRecord = {
          schema_version: 'learning.ofs_run_record.v1',
          run_key: key,
          request_id: parsed.request_id,
          platform_run_id: parsed.platform_run_id,
          intent_kind: parsed.intent_kind,
          intent_payload_hash: hash,
          intent: jsonCopy(parsed, 'intent') as unknown as Record<string, unknown>,
          state: 'QUEUED',
          mode: 'NONE',
          version: 1,
          full_run_attempts: 0,
          publish_retry_attempts: 0,
          lease: null,
          last_lease_token: null,
          outcome: null,
          manifest_key: null,
          status_class: null,
          last_error: null,
          supersedes,
          backfill_reason: options?.backfillReason ?? null,
          run_config_digest: options?.runConfigDigest ?? null,
          plan_id: null,
          created_at_ms: now,
          updated_at_ms: now,
        };
        const details = {
          request_id: parsed.request_id,
          intent_kind: parsed.intent_kind,
          platform_run_id: parsed.platform_run_id,
          payload_hash: hash,
          replay_slice_count: parsed.replay_basis.length,
          supersedes,
          run_config_digest: run.run_config_digest,
        };
        const event = { type: 'SUBMITTED' as const, from_state: null, to_state: 'QUEUED' as const, at_ms: now, worker: null, details };
        const result = await store.create(run, [event], options);
        if (!result.created) {
          const fields = submissionMismatch(result.run, run);
          if (fields.length > 0) throw payloadMismatch(result.run, run, fields);
        }
        return result;
      }),

    get: (runKey, options) => guard(options, () => load(checkKey(runKey), options)),

    list: (input = {}, options) =>
      guard(options, async () => {
        const limit = input.limit ?? 1_000;
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
          throw argumentError(`limit must be 1–${MAX_LIST_LIMIT}`, { limit });
        const states = input.states;
        if (states?.some((s) => !RUN_STATES.includes(s))) throw argumentError('unknown state in states', { states });
        return store.list(
          {
            limit,
            ...(input.platformRunId === undefined ? {} : { platform_run_id: input.platformRunId }),
            ...(states === undefined ? {} : { states }),
            ...(input.after === undefined ? {} : { after: input.after }),
          },
          options,
        );
      }),

    claim: (input, options) =>
      guard(options, async () => {
        const worker = input?.worker;
        if (typeof worker !== 'string' || worker.length === 0 || worker.length > 200)
          throw argumentError('worker must be 1–200 characters', { worker: String(worker) });
        const leaseMs = checkLeaseMs(input.leaseMs);
        const now = clock.now();
        const query = { now_ms: now, ...(input.platformRunId === undefined ? {} : { platform_run_id: input.platformRunId }) };
        const run = await store.claimNext(query, (candidate) => decideClaim(candidate, { worker, leaseMs, now, policy: budgets }), options);
        if (!run) return undefined;
        if (!run.lease) throw new OfsError('INTERNAL_ERROR', { message: `store returned claimed run ${run.run_key} without a lease` });
        return { run, lease: run.lease };
      }),

    heartbeat: (runKey, token, leaseMs, options) => {
      const ms = checkLeaseMs(leaseMs);
      return move(runKey, options, (run, now) => always(planHeartbeat(run, checkToken(token), now, ms)));
    },

    complete: (runKey, token, result, options) =>
      move(runKey, options, (run, now) => {
        if (result?.outcome === 'REPORTED') {
          if (typeof result.reportKey !== 'string' || result.reportKey.length === 0)
            throw argumentError('a REPORTED completion needs a reportKey', {});
          if (typeof result.reportSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(result.reportSha256))
            throw argumentError('reportSha256 must be 64 lowercase hex digits', { reportSha256: String(result.reportSha256) });
          return planComplete(run, checkToken(token), result, now);
        }
        if (!result || typeof result.manifestKey !== 'string' || result.manifestKey.length === 0)
          throw argumentError('complete needs a manifestKey', {});
        if (result.manifestSha256 !== undefined && !/^[0-9a-f]{64}$/.test(result.manifestSha256))
          throw argumentError('manifestSha256 must be 64 lowercase hex digits', { manifestSha256: String(result.manifestSha256) });
        if (result.outcome !== 'NEW' && result.outcome !== 'ALREADY_PUBLISHED')
          throw argumentError('outcome must be NEW, ALREADY_PUBLISHED or REPORTED', { outcome: String(result.outcome) });
        return planComplete(run, checkToken(token), result, now);
      }),

    fail: (runKey, token, error, options) => move(runKey, options, (run, now) => planFail(run, checkToken(token), toRunError(error), now)),

    requeue: (runKey, token, error, options) =>
      move(runKey, options, (run, now) =>
        planRequeue(run, checkToken(token), toRunError(error), now, budgets, backoffFor(run.full_run_attempts)),
      ),

    publishPending: (runKey, token, error, options) =>
      move(runKey, options, (run, now) =>
        planPublishPending(run, checkToken(token), toRunError(error), now, budgets, backoffFor(run.publish_retry_attempts + 1)),
      ),

    release: (runKey, token, options) =>
      move(runKey, options, (run, now) => planRelease(run, checkToken(token), now, options?.reason ?? 'aborted')),

    cancel: (runKey, options) => move(runKey, options, (run, now) => planCancel(run, now, options?.reason ?? null)),

    record: (runKey, token, input, options) =>
      move(runKey, options, (run, now) => {
        if (input?.type !== 'STAGE' && input?.type !== 'EVIDENCE_REF')
          throw argumentError('record type must be STAGE or EVIDENCE_REF', { type: String(input?.type) });
        return always(planRecord(run, checkToken(token), now, input.type, jsonCopy(input.details ?? {}, 'details')));
      }),

    events: (runKey, options) =>
      guard(options, async () => {
        const key = checkKey(runKey);
        const events = await store.events(key, options);
        if (events.length === 0) await load(key, options);
        return events;
      }),
  };
}
