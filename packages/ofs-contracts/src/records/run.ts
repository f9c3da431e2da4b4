import type { OfsErrorCode } from '../catalogue.js';

/** Ledger states. `DONE`, `FAILED` and `CANCELLED` are terminal. */
export const RUN_STATES = ['QUEUED', 'RUNNING', 'PUBLISH_PENDING', 'DONE', 'FAILED', 'CANCELLED'] as const;
/** A ledger state. */
export type RunState = (typeof RUN_STATES)[number];

/** What a claimed run executes: the whole build, or only publication of stored artifacts. */
export type RunMode = 'NONE' | 'FULL' | 'PUBLISH_ONLY';

/**
 * How a DONE run ended: it published a new manifest or found an identical one, or (`REPORTED`,
 * parity and forensic runs) it wrote a report and published no manifest — `manifest_key` and
 * `status_class` stay `null`, the report's key and sha256 are in the `COMPLETED` event.
 */
export type RunOutcome = 'NEW' | 'ALREADY_PUBLISHED' | 'REPORTED';

/** Status class of a published dataset. */
export type StatusClass = 'COMPLETE_SUCCESS' | 'INCOMPLETE_EXPLICIT' | 'UNCHECKABLE_EXPLICIT';

/** A worker's lease on a RUNNING run. Every move after a claim must present `token`. */
export interface RunLease {
  readonly token: string;
  readonly worker: string;
  readonly expires_at_ms: number;
}

/** The error a run failed (or was requeued / left pending) with. */
export interface RunError {
  readonly code: OfsErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly stage?: string;
}

/** One run of the ledger (`learning.ofs_run_record.v1`). */
export interface RunRecord {
  readonly schema_version: 'learning.ofs_run_record.v1';
  readonly run_key: string;
  readonly request_id: string;
  readonly platform_run_id: string;
  readonly intent_kind: string;
  /** `intentPayloadHash` of the submitted intent (idempotency). */
  readonly intent_payload_hash: string;
  /** The parsed intent as submitted (JSON). */
  readonly intent: Record<string, unknown>;
  readonly state: RunState;
  readonly mode: RunMode;
  /** Compare-and-set version; +1 on every move. */
  readonly version: number;
  readonly full_run_attempts: number;
  readonly publish_retry_attempts: number;
  readonly lease: RunLease | null;
  readonly outcome: RunOutcome | null;
  readonly manifest_key: string | null;
  readonly status_class: StatusClass | null;
  readonly last_error: RunError | null;
  readonly supersedes: readonly string[];
  readonly backfill_reason: string | null;
  readonly run_config_digest: string | null;
  readonly plan_id: string | null;
  /**
   * Token of the most recent claim, kept after the run leaves `RUNNING` so the claiming worker can
   * repeat its final move idempotently (any other token is `LEASE_LOST`). Absent on records written
   * before it existed; `null` until the first claim.
   */
  readonly last_lease_token?: string | null;
  /**
   * A `QUEUED` or `PUBLISH_PENDING` run is not claimable before this instant (epoch ms): the
   * backoff after a retryable failure. Absent (or `null`) when the run may be claimed now.
   */
  readonly not_before_ms?: number | null;
  /**
   * sha256 hex of the manifest bytes the run published or found (`ALREADY_PUBLISHED`), recorded
   * by `complete()`; `verify` checks the stored manifest against it. Absent on runs completed
   * before it existed.
   */
  readonly manifest_sha256?: string | null;
  readonly created_at_ms: number;
  readonly updated_at_ms: number;
}

/** Event types appended by ledger moves (and by `record` for audit/progress facts). */
export const RUN_EVENT_TYPES = [
  'SUBMITTED',
  'CLAIMED',
  'LEASE_EXPIRED',
  'RELEASED',
  'REQUEUED',
  'PUBLISH_PENDING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'STAGE',
  'EVIDENCE_REF',
] as const;
/** A run event type. */
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** One append-only ledger event, with a per-run sequence starting at 1. */
export interface RunEvent {
  readonly run_key: string;
  readonly seq: number;
  readonly type: RunEventType;
  readonly from_state: RunState | null;
  readonly to_state: RunState;
  readonly at_ms: number;
  readonly worker: string | null;
  /** Structured details: stage, error code, counts, attempts, ref audits. JSON only. */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Details of an `EVIDENCE_REF` event: one protected ref the corridor resolved or refused (run
 * facts, parity anchor, replay sources, supersession targets…). The runner appends one per
 * resolution through `ledger.record(runKey, token, { type: 'EVIDENCE_REF', details })`;
 * `@ofs/observe` counts them (`metrics.evidence_refs`) and `ofs report` lists the denials.
 */
export interface EvidenceRefDetails {
  /** Who resolved it: the worker id, or `SYSTEM::ofs_runner` / a service name. */
  readonly actor: string;
  /** The ref as given (the runner truncates it to `EVIDENCE_REF_MAX_LENGTH` characters). */
  readonly ref: string;
  /** What it was resolved for: one of `EVIDENCE_REF_PURPOSES` (or a host-defined word). */
  readonly purpose: string;
  /** `RESOLVED`, or the catalogue code that refused it (`REF_INVALID`, `REF_SCOPE_MISMATCH`, `REF_NOT_FOUND`, …). */
  readonly outcome: 'RESOLVED' | OfsErrorCode;
  /** Optional: sha256 of the resolved bytes, when the resolver read them. */
  readonly sha256?: string;
}

/** Purposes the runner records in `EvidenceRefDetails.purpose`. */
export const EVIDENCE_REF_PURPOSES = ['run_facts', 'parity_anchor', 'replay_source', 'supersedes', 'feature_profile'] as const;

/** Longest `EvidenceRefDetails.ref` the runner records; longer refs are cut (and end with `…`). */
export const EVIDENCE_REF_MAX_LENGTH = 256;

/**
 * Details of a `STAGE` event, appended by the runner when a stage finishes. `plan_id` also sets the
 * run's `plan_id` (see `@ofs/ledger`); the identifiers feed telemetry correlation and reports.
 */
export interface StageEventDetails {
  /** `plan`, `replay`, `labels`, `reconstruct` or `publish`. */
  readonly stage: string;
  readonly plan_id?: string;
  readonly dataset_manifest_id?: string;
  readonly basis_hash?: string;
  /** Small integer counters of the stage (records, rows, parts…). */
  readonly counts?: Readonly<Record<string, number>>;
}
