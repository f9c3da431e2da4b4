import {
  type ClaimDecision,
  type NewRunEvent,
  OfsError,
  type RunError,
  type RunEventType,
  type RunMode,
  type RunOutcome,
  type RunRecord,
  type RunState,
  type StatusClass,
} from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import { assertTransition, invalidMove, type RunMove } from './state-machine.js';

/** The budgets the ledger enforces (an `OfsPolicy` has both). */
export interface LedgerPolicy {
  /** How many times a run may be claimed for a full build (≥ 1). */
  readonly max_full_run_attempts: number;
  /** How many times a run may be claimed to retry publication only (≥ 0). */
  readonly max_publish_retries: number;
}

/** A computed move: the run's next record and the events to append with it. */
export interface PlannedMove {
  readonly next: RunRecord;
  readonly events: readonly NewRunEvent[];
}

/** What a fenced operation may do: change the run, or nothing (an idempotent repeat). */
export type FencedPlan = { kind: 'move'; move: PlannedMove } | { kind: 'noop' };

/** The result a worker reports with `complete`: a manifest (`PublishedCompletion`) or a report (`ReportedCompletion`). */
export type RunCompletion = PublishedCompletion | ReportedCompletion;

/** A run that published (or found) a manifest. */
export interface PublishedCompletion {
  readonly outcome: Exclude<RunOutcome, 'REPORTED'>;
  readonly manifestKey: string;
  readonly statusClass: StatusClass;
  /** The plan the run built; kept on the run record. */
  readonly planId?: string;
  /** sha256 hex of the manifest bytes (recorded as `manifest_sha256`; `verify` checks it). */
  readonly manifestSha256?: string;
}

/** A parity or forensic run that wrote a write-once report and published nothing (docs/decisions.md D56). */
export interface ReportedCompletion {
  readonly outcome: 'REPORTED';
  /** Store key of the report. */
  readonly reportKey: string;
  /** sha256 hex of the report bytes (recorded in the `COMPLETED` event). */
  readonly reportSha256: string;
  readonly planId?: string;
}

/** How a claimed run's lease token is derived: unique per claim (the version only grows), deterministic for tests. */
export function leaseToken(runKey: string, claimVersion: number, worker: string): string {
  return `lt${claimVersion}.${sha256Hex(`ofs.lease_token.v1|${runKey}|${claimVersion}|${worker}`).slice(0, 24)}`;
}

function ev(
  type: RunEventType,
  from: RunState | null,
  to: RunState,
  at: number,
  worker: string | null,
  details: Record<string, unknown>,
): NewRunEvent {
  return { type, from_state: from, to_state: to, at_ms: at, worker, details };
}

function counts(run: RunRecord): { full_run_attempts: number; publish_retry_attempts: number } {
  return { full_run_attempts: run.full_run_attempts, publish_retry_attempts: run.publish_retry_attempts };
}

/** The record after a move to `state`, version + 1, lease cleared unless given. */
function advance(run: RunRecord, state: RunState, now: number, changes: Partial<RunRecord> = {}): RunRecord {
  const { not_before_ms: _waited, ...rest } = run;
  return {
    ...rest,
    state,
    mode: state === 'RUNNING' ? run.mode : 'NONE',
    lease: null,
    ...changes,
    version: run.version + 1,
    updated_at_ms: now,
  };
}

/** `not_before_ms` after a backoff of `backoffMs` (absent when there is none). */
function waitFor(now: number, backoffMs: number): Partial<RunRecord> {
  return backoffMs > 0 ? { not_before_ms: now + backoffMs } : {};
}

function exhausted(
  run: RunRecord,
  code: 'RUN_ATTEMPTS_EXHAUSTED' | 'PUBLISH_RETRY_EXHAUSTED',
  cause: RunError | null,
  now: number,
  worker: string | null,
  extra: NewRunEvent[] = [],
): PlannedMove {
  const limit = code === 'RUN_ATTEMPTS_EXHAUSTED' ? 'full run attempts' : 'publish retries';
  const lastError: RunError = {
    code,
    message: `no ${limit} left${cause ? ` after ${cause.code}: ${cause.message}` : ''}`,
    retryable: false,
    ...(cause?.stage === undefined ? {} : { stage: cause.stage }),
  };
  const next = advance(run, 'FAILED', now, { last_error: lastError });
  const details = { error_code: code, cause_code: cause?.code ?? null, stage: cause?.stage ?? null, ...counts(run) };
  return { next, events: [...extra, ev('FAILED', run.state, 'FAILED', now, worker, details)] };
}

/**
 * The claim decision for one claimable run (pure): take it under a new lease counting one attempt
 * of the right kind, or settle it as `FAILED` when that budget is spent. A `RUNNING` run is
 * offered only when its lease expired; that is recorded as `LEASE_EXPIRED` first. A run whose
 * `not_before_ms` lies after `now` is skipped unless `ignoreNotBefore` (an operator's explicit retry).
 */
export function decideClaim(
  run: RunRecord,
  input: { worker: string; leaseMs: number; now: number; policy: LedgerPolicy; ignoreNotBefore?: boolean },
): ClaimDecision {
  const { worker, leaseMs, now, policy } = input;
  const prior: NewRunEvent[] = [];
  let mode: RunMode;
  // A run waiting out its requeue backoff is not claimable yet (stores filter it too).
  const waiting = run.state === 'QUEUED' || run.state === 'PUBLISH_PENDING';
  if (waiting && !input.ignoreNotBefore && run.not_before_ms != null && run.not_before_ms > now) {
    return { kind: 'skip' };
  }
  if (run.state === 'QUEUED') mode = 'FULL';
  else if (run.state === 'PUBLISH_PENDING') mode = 'PUBLISH_ONLY';
  else if (run.state === 'RUNNING' && run.lease !== null && run.lease.expires_at_ms <= now) {
    mode = run.mode === 'PUBLISH_ONLY' ? 'PUBLISH_ONLY' : 'FULL';
    prior.push(
      ev('LEASE_EXPIRED', 'RUNNING', 'RUNNING', now, run.lease.worker, {
        expired_worker: run.lease.worker,
        expired_token: run.lease.token,
        expired_at_ms: run.lease.expires_at_ms,
        mode: run.mode,
        ...counts(run),
      }),
    );
  } else if (run.state === 'RUNNING' && run.lease === null) {
    // Never written by this ledger; treated as an expired lease so no run stays stuck.
    mode = run.mode === 'PUBLISH_ONLY' ? 'PUBLISH_ONLY' : 'FULL';
  } else return { kind: 'skip' };

  if (mode === 'FULL' && run.full_run_attempts >= policy.max_full_run_attempts) {
    return { kind: 'settle', ...exhausted(run, 'RUN_ATTEMPTS_EXHAUSTED', run.last_error, now, worker, prior) };
  }
  if (mode === 'PUBLISH_ONLY' && run.publish_retry_attempts >= policy.max_publish_retries) {
    return { kind: 'settle', ...exhausted(run, 'PUBLISH_RETRY_EXHAUSTED', run.last_error, now, worker, prior) };
  }
  const version = run.version + 1;
  const token = leaseToken(run.run_key, version, worker);
  const { not_before_ms: _waited, ...rest } = run;
  const next: RunRecord = {
    ...rest,
    state: 'RUNNING',
    mode,
    version,
    full_run_attempts: run.full_run_attempts + (mode === 'FULL' ? 1 : 0),
    publish_retry_attempts: run.publish_retry_attempts + (mode === 'PUBLISH_ONLY' ? 1 : 0),
    lease: { token, worker, expires_at_ms: now + leaseMs },
    last_lease_token: token,
    updated_at_ms: now,
  };
  const details = { mode, token, lease_expires_at_ms: now + leaseMs, ...counts(next) };
  return { kind: 'claim', next, events: [...prior, ev('CLAIMED', run.state, 'RUNNING', now, worker, details)] };
}

/**
 * The fence every worker move passes (pure). `live` when the run is `RUNNING` under `token`
 * (even past its expiry: ownership ends only when another claim succeeds); `settled` when this
 * token's holder already moved the run out of `RUNNING`; otherwise `LEASE_LOST`.
 */
export function fence(run: RunRecord, token: string, move: RunMove): 'live' | 'settled' {
  if (run.state === 'RUNNING' && run.lease?.token === token) return 'live';
  if ((run.last_lease_token ?? null) === token && run.state !== 'RUNNING') return 'settled';
  throw new OfsError('LEASE_LOST', {
    message: `lease token is stale for run ${run.run_key} (${move}); nothing was changed`,
    details: { run_key: run.run_key, move, state: run.state, holder: run.lease?.worker ?? null },
  });
}

/** Plans `complete`: `RUNNING → DONE`; an identical repeat by the same token is a no-op. */
export function planComplete(run: RunRecord, token: string, result: RunCompletion, now: number): FencedPlan {
  const reported = result.outcome === 'REPORTED';
  const manifestKey = result.outcome === 'REPORTED' ? null : result.manifestKey;
  const statusClass = result.outcome === 'REPORTED' ? null : result.statusClass;
  const manifestSha256 = result.outcome === 'REPORTED' ? undefined : result.manifestSha256;
  const same = (r: RunRecord) =>
    r.outcome === result.outcome &&
    r.manifest_key === manifestKey &&
    r.status_class === statusClass &&
    (result.planId === undefined || r.plan_id === result.planId) &&
    (manifestSha256 === undefined || r.manifest_sha256 === manifestSha256);
  if (fence(run, token, 'complete') === 'settled') {
    if (run.state === 'DONE' && same(run)) return { kind: 'noop' };
    throw invalidMove(run.run_key, 'complete', run.state, 'DONE');
  }
  const next = advance(run, 'DONE', now, {
    outcome: result.outcome,
    manifest_key: manifestKey,
    status_class: statusClass,
    plan_id: result.planId ?? run.plan_id,
    manifest_sha256: manifestSha256 ?? null,
    last_error: null,
  });
  const details = {
    mode: run.mode,
    outcome: result.outcome,
    manifest_key: manifestKey,
    status_class: statusClass,
    plan_id: next.plan_id,
    manifest_sha256: next.manifest_sha256 ?? null,
    ...(reported ? { report_key: result.reportKey, report_sha256: result.reportSha256 } : {}),
    ...counts(run),
  };
  return { kind: 'move', move: { next, events: [ev('COMPLETED', 'RUNNING', 'DONE', now, run.lease?.worker ?? null, details)] } };
}

/** Plans `fail`: `RUNNING → FAILED` with a deterministic error; a repeat with the same code is a no-op. */
export function planFail(run: RunRecord, token: string, error: RunError, now: number): FencedPlan {
  if (fence(run, token, 'fail') === 'settled') {
    if (run.state === 'FAILED' && run.last_error?.code === error.code) return { kind: 'noop' };
    throw invalidMove(run.run_key, 'fail', run.state, 'FAILED');
  }
  const next = advance(run, 'FAILED', now, { last_error: error });
  const details = { mode: run.mode, error_code: error.code, stage: error.stage ?? null, retryable: error.retryable, ...counts(run) };
  return { kind: 'move', move: { next, events: [ev('FAILED', 'RUNNING', 'FAILED', now, run.lease?.worker ?? null, details)] } };
}

/**
 * Plans `requeue` (a retryable failure before publication): `RUNNING(FULL) → QUEUED`, or
 * `FAILED`/`RUN_ATTEMPTS_EXHAUSTED` when no full-run attempt is left.
 */
export function planRequeue(run: RunRecord, token: string, error: RunError, now: number, policy: LedgerPolicy, backoffMs = 0): FencedPlan {
  if (fence(run, token, 'requeue') === 'settled') {
    if (run.state === 'QUEUED' && run.last_error?.code === error.code) return { kind: 'noop' };
    if (run.state === 'FAILED' && run.last_error?.code === 'RUN_ATTEMPTS_EXHAUSTED') return { kind: 'noop' };
    throw invalidMove(run.run_key, 'requeue', run.state, 'QUEUED');
  }
  if (run.mode !== 'FULL') throw invalidMove(run.run_key, 'requeue', run.state, 'QUEUED', { mode: run.mode });
  const worker = run.lease?.worker ?? null;
  if (run.full_run_attempts >= policy.max_full_run_attempts) {
    return { kind: 'move', move: exhausted(run, 'RUN_ATTEMPTS_EXHAUSTED', error, now, worker) };
  }
  assertTransition(run.run_key, 'requeue', run.state, 'QUEUED');
  const next = advance(run, 'QUEUED', now, { last_error: error, ...waitFor(now, backoffMs) });
  const details = {
    error_code: error.code,
    stage: error.stage ?? null,
    ...counts(run),
    attempts_left: policy.max_full_run_attempts - run.full_run_attempts,
    backoff_ms: backoffMs,
    not_before_ms: now + backoffMs,
  };
  return { kind: 'move', move: { next, events: [ev('REQUEUED', 'RUNNING', 'QUEUED', now, worker, details)] } };
}

/**
 * Plans `publishPending` (a retryable failure during publication): `RUNNING → PUBLISH_PENDING`,
 * or `FAILED`/`PUBLISH_RETRY_EXHAUSTED` when no publish retry is left.
 */
export function planPublishPending(
  run: RunRecord,
  token: string,
  error: RunError,
  now: number,
  policy: LedgerPolicy,
  backoffMs = 0,
): FencedPlan {
  if (fence(run, token, 'publishPending') === 'settled') {
    if (run.state === 'PUBLISH_PENDING' && run.last_error?.code === error.code) return { kind: 'noop' };
    if (run.state === 'FAILED' && run.last_error?.code === 'PUBLISH_RETRY_EXHAUSTED') return { kind: 'noop' };
    throw invalidMove(run.run_key, 'publishPending', run.state, 'PUBLISH_PENDING');
  }
  const worker = run.lease?.worker ?? null;
  if (run.publish_retry_attempts >= policy.max_publish_retries) {
    return { kind: 'move', move: exhausted(run, 'PUBLISH_RETRY_EXHAUSTED', error, now, worker) };
  }
  const next = advance(run, 'PUBLISH_PENDING', now, { last_error: error, ...waitFor(now, backoffMs) });
  const details = {
    mode: run.mode,
    error_code: error.code,
    stage: error.stage ?? null,
    ...counts(run),
    retries_left: policy.max_publish_retries - run.publish_retry_attempts,
    backoff_ms: backoffMs,
    not_before_ms: now + backoffMs,
  };
  return { kind: 'move', move: { next, events: [ev('PUBLISH_PENDING', 'RUNNING', 'PUBLISH_PENDING', now, worker, details)] } };
}

/**
 * Plans `release` (the worker was aborted): back to the state the claim took the run from
 * (`QUEUED` for a full run, `PUBLISH_PENDING` for a publish retry), refunding the attempt the
 * claim counted, so an abort never uses up a budget.
 */
export function planRelease(run: RunRecord, token: string, now: number, reason: string): FencedPlan {
  if (fence(run, token, 'release') === 'settled') {
    if (run.state === 'QUEUED' || run.state === 'PUBLISH_PENDING') return { kind: 'noop' };
    throw invalidMove(run.run_key, 'release', run.state, 'QUEUED');
  }
  const publishOnly = run.mode === 'PUBLISH_ONLY';
  const to: RunState = publishOnly ? 'PUBLISH_PENDING' : 'QUEUED';
  const next = advance(run, to, now, {
    full_run_attempts: Math.max(0, run.full_run_attempts - (publishOnly ? 0 : 1)),
    publish_retry_attempts: Math.max(0, run.publish_retry_attempts - (publishOnly ? 1 : 0)),
  });
  const details = { mode: run.mode, reason, ...counts(next) };
  return { kind: 'move', move: { next, events: [ev('RELEASED', 'RUNNING', to, now, run.lease?.worker ?? null, details)] } };
}

/** Plans `heartbeat`: extends a live lease to `now + leaseMs` (no event: it is not a state move). */
export function planHeartbeat(run: RunRecord, token: string, now: number, leaseMs: number): PlannedMove {
  if (fence(run, token, 'heartbeat') === 'settled') throw invalidMove(run.run_key, 'heartbeat', run.state, 'RUNNING');
  const lease = run.lease!;
  const next: RunRecord = { ...run, lease: { ...lease, expires_at_ms: now + leaseMs }, version: run.version + 1, updated_at_ms: now };
  return { next, events: [] };
}

/**
 * Plans `record`: appends a fenced `STAGE` or `EVIDENCE_REF` event without changing state. A
 * `STAGE` event whose details carry a string `plan_id` also sets the run's `plan_id`.
 */
export function planRecord(
  run: RunRecord,
  token: string,
  now: number,
  type: 'STAGE' | 'EVIDENCE_REF',
  details: Record<string, unknown>,
): PlannedMove {
  if (fence(run, token, 'record') === 'settled') throw invalidMove(run.run_key, 'record', run.state, 'RUNNING');
  const planId = type === 'STAGE' && typeof details.plan_id === 'string' ? details.plan_id : run.plan_id;
  const next: RunRecord = { ...run, plan_id: planId, version: run.version + 1, updated_at_ms: now };
  return { next, events: [ev(type, 'RUNNING', 'RUNNING', now, run.lease?.worker ?? null, details)] };
}

/** Plans `cancel`: `QUEUED | RUNNING | PUBLISH_PENDING → CANCELLED`; cancelling a cancelled run is a no-op. */
export function planCancel(run: RunRecord, now: number, reason: string | null): FencedPlan {
  if (run.state === 'CANCELLED') return { kind: 'noop' };
  assertTransition(run.run_key, 'cancel', run.state, 'CANCELLED');
  const next = advance(run, 'CANCELLED', now);
  const details = { mode: run.mode, reason, cancelled_worker: run.lease?.worker ?? null, ...counts(run) };
  return { kind: 'move', move: { next, events: [ev('CANCELLED', run.state, 'CANCELLED', now, null, details)] } };
}
