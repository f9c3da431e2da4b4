import Type, { type Static } from 'typebox';
import { ArtifactRefSchema } from './dataset-manifest-v1.js';

/** Schema version of a reconciliation artifact. */
export const RECONCILIATION_SCHEMA_VERSION = 'learning.ofs_reconciliation.v1';

const Count = Type.Integer({ minimum: 0 });
const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });
const Ratio = Type.Number({ minimum: 0, maximum: 1 });
/** Counts keyed by a bounded label (a catalogue code, a state, a status class), keys sorted. */
const CountsByKey = Type.Record(Type.String(), Count);

/**
 * Counters of the corridor over a set of runs (usually one platform run), reduced from ledger
 * runs and events and the stored receipts and manifests. Every key of a `*_by_code` map is a code
 * of the closed error catalogue, so the cardinality is bounded. Same inputs in any order give the
 * same metrics.
 */
export const OfsMetricsSchema = Type.Object(
  {
    /** Runs submitted (every run in scope). */
    build_requested: Count,
    /** Runs that ended `DONE`. */
    build_completed: Count,
    /** Runs that ended `FAILED`. */
    build_failed: Count,
    /** `FAILED` runs by error code. */
    build_failed_by_code: CountsByKey,
    /** Distinct manifests named by `DONE` runs. */
    datasets_built: Count,
    /** `DONE` runs that found their manifest already published. */
    already_published: Count,
    /** Runs waiting in `PUBLISH_PENDING` now. */
    publish_pending: Count,
    /** Runs that ended `FAILED` with `PUBLISH_RETRY_EXHAUSTED`. */
    publish_retry_exhausted: Count,
    /** Runs that ended `CANCELLED`. */
    cancelled: Count,
    /** Runs `QUEUED` now. */
    queued: Count,
    /** Runs `RUNNING` now. */
    running: Count,
    /** `REQUEUED` events (retryable failures before publication). */
    requeued: Count,
    /** Claims in `PUBLISH_ONLY` mode (publish retries started). */
    publish_retries: Count,
    /** Per intent kind (`dataset_build`, `parity_rebuild`, `forensic_rebuild`; anything else under `other`). */
    by_intent_kind: Type.Record(
      Type.String(),
      Type.Object({ requested: Count, completed: Count, failed: Count }, { additionalProperties: false }),
    ),
    /** `DONE` runs by status class. */
    status_classes: CountsByKey,
    /** Over the distinct replay receipts of the runs. */
    replay: Type.Object(
      {
        receipts: Count,
        /** Records replayed (emitted on the record stream). */
        events_replayed: Count,
        from_eb: Count,
        from_archive: Count,
        /** Slices served at least partly by the Archive. */
        archive_used: Count,
        duplicates: Count,
        mismatches: Count,
        dropped: Count,
        /** Slices with missing offsets. */
        gaps: Count,
        /** Offsets missing over all slices (decimal string: ranges can be huge). */
        missing_offsets: Decimal,
        by_status: CountsByKey,
        /** Receipt anomalies by replay anomaly code. */
        anomalies_by_code: CountsByKey,
      },
      { additionalProperties: false },
    ),
    /** Over the distinct label receipts of the runs. */
    labels: Type.Object(
      {
        receipts: Count,
        subjects: Count,
        immature: Count,
        /** Smallest coverage over the receipts (`null` without receipts). */
        coverage_min: Type.Union([Ratio, Type.Null()]),
        /** Largest conflict ratio over the receipts (`null` without receipts). */
        conflict_ratio_max: Type.Union([Ratio, Type.Null()]),
        /** Receipts whose status is `NOT_READY_FOR_TRAINING`. */
        not_ready: Count,
      },
      { additionalProperties: false },
    ),
    /** Over the distinct manifests of `DONE` runs that could be read. */
    datasets: Type.Object({ manifests: Count, rows_total: Count, bytes_total: Count, parts: Count }, { additionalProperties: false }),
    /** `EVIDENCE_REF` audit events. */
    evidence_refs: Type.Object(
      { attempted: Count, resolved: Count, denied: Count, denied_by_code: CountsByKey },
      { additionalProperties: false },
    ),
    /**
     * Anomalies by catalogue code: failed runs (their error code), requeues and publish-pending
     * moves (their error code), evidence-ref denials, and replay receipt anomalies (mapped to
     * `REPLAY_BASIS_MISMATCH`, `REPLAY_INCOMPLETE`, `REPLAY_UNSATISFIABLE`). A code outside the
     * catalogue is counted under `uncatalogued`, never as a new key.
     */
    anomalies: Type.Object({ total: Count, by_code: CountsByKey, uncatalogued: Count }, { additionalProperties: false }),
    /** How much ledger data the metrics were reduced from. */
    ledger: Type.Object({ runs: Count, events: Count }, { additionalProperties: false }),
  },
  { additionalProperties: false, title: 'OfsMetrics' },
);

/** Health states, best first. */
export const HEALTH_STATES = ['GREEN', 'AMBER', 'RED'] as const;

/**
 * Thresholds of the health assessment: a metric at or above a threshold raises the state; `null`
 * disables a rule. `min_label_coverage` turns AMBER when the smallest label coverage is below it.
 */
export const HealthThresholdsSchema = Type.Object(
  {
    red_failed: Type.Union([Count, Type.Null()]),
    red_anomalies: Type.Union([Count, Type.Null()]),
    red_publish_retry_exhausted: Type.Union([Count, Type.Null()]),
    amber_anomalies: Type.Union([Count, Type.Null()]),
    amber_publish_pending: Type.Union([Count, Type.Null()]),
    amber_evidence_denied: Type.Union([Count, Type.Null()]),
    amber_incomplete_datasets: Type.Union([Count, Type.Null()]),
    amber_cancelled: Type.Union([Count, Type.Null()]),
    min_label_coverage: Type.Union([Ratio, Type.Null()]),
  },
  { additionalProperties: false },
);

/** One reason of a health state: which rule fired, at what value, against which threshold. */
export const HealthReasonSchema = Type.Object(
  {
    code: Type.String({ minLength: 1 }),
    level: Type.Union([Type.Literal('AMBER'), Type.Literal('RED')]),
    value: Type.Number(),
    threshold: Type.Number(),
    message: Type.String(),
  },
  { additionalProperties: false },
);

/** A health assessment: the worst level of its reasons (GREEN without reasons). */
export const HealthSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('GREEN'), Type.Literal('AMBER'), Type.Literal('RED')]),
    /** RED reasons first, then AMBER, each sorted by code. */
    reasons: Type.Array(HealthReasonSchema),
  },
  { additionalProperties: false },
);

/** One run as the reconciliation sees it. */
export const ReconciledRunSchema = Type.Object(
  {
    run_key: Type.String({ minLength: 1 }),
    request_id: Type.String({ minLength: 1 }),
    intent_kind: Type.String({ minLength: 1 }),
    state: Type.String({ minLength: 1 }),
    plan_id: Type.Union([Type.String(), Type.Null()]),
    manifest_key: Type.Union([Type.String(), Type.Null()]),
    status_class: Type.Union([Type.String(), Type.Null()]),
    error_code: Type.Union([Type.String(), Type.Null()]),
    events: Count,
  },
  { additionalProperties: false },
);

/** A reconciliation problem: a stored artifact the ledger says must exist is absent or unreadable. */
export const ReconciliationProblemSchema = Type.Object(
  {
    code: Type.String({ minLength: 1 }),
    run_key: Type.String({ minLength: 1 }),
    key: Type.String({ minLength: 1 }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

/**
 * `learning.ofs_reconciliation.v1`: the state of one platform run's builds — counters, health,
 * every run, and refs (key + sha256 of the stored bytes) to every plan, receipt, manifest,
 * supersession link and governance fact the runs produced. A pure function of the ledger and the
 * store: no timestamps, so the same state gives the same bytes. Written write-once at
 * `{platform_run_id}/ofs/reconciliation/{events:012}-{digest32}.json`, where `events` is the
 * number of ledger events it covers (append-only, so keys sort by progress) and `digest32` the
 * first 32 hex of the sha256 of its canonical bytes.
 */
export const ReconciliationSchema = Type.Object(
  {
    schema_version: Type.Literal(RECONCILIATION_SCHEMA_VERSION),
    platform_run_id: Type.String({ minLength: 1 }),
    /** `digest`: sha256 over `run_key|version|state` lines of every run, sorted by run key. */
    ledger: Type.Object(
      { runs: Count, events: Count, digest: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
      { additionalProperties: false },
    ),
    metrics: OfsMetricsSchema,
    thresholds: HealthThresholdsSchema,
    health: HealthSchema,
    runs: Type.Array(ReconciledRunSchema),
    artifacts: Type.Object(
      {
        plans: Type.Array(ArtifactRefSchema),
        replay_receipts: Type.Array(ArtifactRefSchema),
        label_receipts: Type.Array(ArtifactRefSchema),
        draft_receipts: Type.Array(ArtifactRefSchema),
        manifests: Type.Array(ArtifactRefSchema),
        supersession_links: Type.Array(ArtifactRefSchema),
        governance_facts: Type.Array(ArtifactRefSchema),
      },
      { additionalProperties: false },
    ),
    problems: Type.Array(ReconciliationProblemSchema),
  },
  { additionalProperties: false, $id: RECONCILIATION_SCHEMA_VERSION, title: 'Reconciliation' },
);

/** Metrics (see `OfsMetricsSchema`). */
export type OfsMetrics = Static<typeof OfsMetricsSchema>;
/** A health state. */
export type HealthState = (typeof HEALTH_STATES)[number];
/** Health thresholds (see `HealthThresholdsSchema`). */
export type HealthThresholds = Static<typeof HealthThresholdsSchema>;
/** One health reason. */
export type HealthReason = Static<typeof HealthReasonSchema>;
/** A health assessment. */
export type Health = Static<typeof HealthSchema>;
/** One reconciled run. */
export type ReconciledRun = Static<typeof ReconciledRunSchema>;
/** One reconciliation problem. */
export type ReconciliationProblem = Static<typeof ReconciliationProblemSchema>;
/** A reconciliation artifact (see `ReconciliationSchema`). */
export type Reconciliation = Static<typeof ReconciliationSchema>;

/** Object key of a reconciliation artifact (see `ReconciliationSchema`). */
export function reconciliationKey(platformRunId: string, events: number, sha256: string): string {
  return `${platformRunId}/ofs/reconciliation/${String(events).padStart(12, '0')}-${sha256.slice(0, 32)}.json`;
}
