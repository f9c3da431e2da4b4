import {
  type AbortOptions,
  type Health,
  type HealthThresholds,
  type ObjectStore,
  OfsError,
  type OfsMetrics,
  type RunEvent,
  type RunRecord,
} from '@ofs/contracts';
import { normalizeObservations } from './dedupe.js';
import { evidenceRefOf } from './event-details.js';
import { assessHealth } from './health.js';
import { reduceMetrics } from './metrics.js';
import { collectObservations, type LedgerReader, type RunObservations } from './observations.js';

/** Schema version of `buildReport`'s JSON. */
export const REPORT_SCHEMA_VERSION = 'learning.ofs_report.v1';

/** Options of `buildReport`: a ledger to read, or runs and events you already have. */
export interface BuildReportOptions extends AbortOptions {
  /** The ledger to read runs and events from (or pass `runs` + `events`). */
  readonly ledger?: LedgerReader;
  /** Runs already read (used when `ledger` is absent). */
  readonly runs?: readonly RunRecord[];
  /** Events already read (used when `ledger` is absent). */
  readonly events?: readonly RunEvent[];
  /** The object store with the runs' receipts and manifests. */
  readonly store: ObjectStore;
  /** Only runs of this platform run (default: every run). */
  readonly platformRunId?: string;
  /** Health thresholds (defaults: `DEFAULT_HEALTH_THRESHOLDS`). */
  readonly thresholds?: Partial<HealthThresholds>;
  /** How many recent failures and evidence-ref denials to list (default 10). */
  readonly limit?: number;
}

/** One published dataset in a report. */
export interface ReportDataset {
  readonly manifest_key: string;
  readonly dataset_manifest_id: string;
  readonly status_class: string;
  readonly training_posture: string;
  readonly rows_total: number;
  readonly parts: number;
  readonly bytes_total: number;
  readonly replay_status: string;
  readonly label_status: string;
  /** Runs that ended with this manifest, by run key. */
  readonly run_keys: readonly string[];
}

/** One failed (or publish-pending) run in a report. */
export interface ReportFailure {
  readonly run_key: string;
  readonly request_id: string;
  readonly state: string;
  readonly error_code: string | null;
  readonly stage: string | null;
  readonly message: string | null;
  readonly at_utc: string;
}

/** One denied evidence ref in a report. */
export interface ReportDenial {
  readonly run_key: string;
  readonly actor: string;
  readonly ref: string;
  readonly purpose: string;
  readonly outcome: string;
  readonly at_utc: string;
}

/** What `ofs report` prints (`--json`) and `renderReport` renders. */
export interface OfsReport {
  readonly schema_version: typeof REPORT_SCHEMA_VERSION;
  readonly platform_run_id: string | null;
  readonly health: Health;
  readonly metrics: OfsMetrics;
  readonly datasets: readonly ReportDataset[];
  /** Most recent first, at most `limit`. */
  readonly recent_failures: readonly ReportFailure[];
  /** Most recent first, at most `limit`. */
  readonly evidence_denials: readonly ReportDenial[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Builds the whole report of a ledger (or of given runs and events) and the store: metrics,
 * health with its reasons, every published dataset with its row counts (from the manifests),
 * the most recent failures and the evidence refs the corridor refused. Read-only.
 */
export async function buildReport(options: BuildReportOptions): Promise<OfsReport> {
  const { store, platformRunId, signal } = options;
  const limit = options.limit ?? 10;
  let observations: RunObservations;
  if (options.ledger !== undefined) {
    observations = await collectObservations({
      ledger: options.ledger,
      store,
      ...(platformRunId === undefined ? {} : { platformRunId }),
      ...(signal ? { signal } : {}),
    });
  } else if (options.runs !== undefined) {
    const runs = options.runs.filter((r) => platformRunId === undefined || r.platform_run_id === platformRunId);
    observations = await collectObservations({ ledger: staticLedger(runs, options.events ?? []), store, ...(signal ? { signal } : {}) });
  } else {
    throw new OfsError('INTERNAL_ERROR', { message: 'buildReport needs a ledger, or runs and events' });
  }
  return reportOf(observations, platformRunId ?? null, options.thresholds ?? {}, limit);
}

/** The report of observations already collected (pure). */
export function reportOf(
  observations: RunObservations,
  platformRunId: string | null,
  thresholds: Partial<HealthThresholds> = {},
  limit = 10,
): OfsReport {
  const normalized = normalizeObservations(observations);
  const metrics = reduceMetrics(normalized);
  const health = assessHealth(metrics, thresholds);
  const runsByManifest = new Map<string, string[]>();
  for (const run of normalized.runs) {
    if (run.state !== 'DONE' || run.manifest_key === null) continue;
    const list = runsByManifest.get(run.manifest_key) ?? [];
    list.push(run.run_key);
    runsByManifest.set(run.manifest_key, list);
  }
  const datasets: ReportDataset[] = normalized.manifests.map((m) => {
    const key = `${m.platform_run_id}/ofs/manifests/${m.dataset_manifest_id}.json`;
    return {
      manifest_key: key,
      dataset_manifest_id: m.dataset_manifest_id,
      status_class: m.status_class,
      training_posture: m.training_posture,
      rows_total: m.rows_total,
      parts: m.parts.length,
      bytes_total: m.bytes_total,
      replay_status: m.replay_status,
      label_status: m.label_status,
      run_keys: runsByManifest.get(key) ?? [],
    };
  });
  const failures: (ReportFailure & { ms: number })[] = normalized.runs
    .filter((r) => r.state === 'FAILED' || r.state === 'PUBLISH_PENDING')
    .map((r) => ({
      run_key: r.run_key,
      request_id: r.request_id,
      state: r.state,
      error_code: r.last_error?.code ?? null,
      stage: r.last_error?.stage ?? null,
      message: r.last_error?.message ?? null,
      at_utc: iso(r.updated_at_ms),
      ms: r.updated_at_ms,
    }));
  failures.sort((a, b) => b.ms - a.ms || (a.run_key < b.run_key ? -1 : 1));
  const denials: (ReportDenial & { ms: number; seq: number })[] = [];
  for (const event of normalized.events) {
    const audited = evidenceRefOf(event);
    if (event.type !== 'EVIDENCE_REF' || audited?.outcome === 'RESOLVED') continue;
    denials.push({
      run_key: event.run_key,
      actor: audited?.actor ?? '?',
      ref: audited?.ref ?? '?',
      purpose: audited?.purpose ?? '?',
      outcome: audited?.outcome ?? 'MALFORMED_EVENT',
      at_utc: iso(event.at_ms),
      ms: event.at_ms,
      seq: event.seq,
    });
  }
  denials.sort((a, b) => b.ms - a.ms || (a.run_key < b.run_key ? -1 : a.run_key > b.run_key ? 1 : b.seq - a.seq));
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    platform_run_id: platformRunId,
    health,
    metrics,
    datasets,
    recent_failures: failures.slice(0, limit).map(({ ms: _ms, ...f }) => f),
    evidence_denials: denials.slice(0, limit).map(({ ms: _ms, seq: _seq, ...d }) => d),
  };
}

function staticLedger(runs: readonly RunRecord[], events: readonly RunEvent[]): LedgerReader {
  return {
    async list(query) {
      const sorted = [...runs].sort((a, b) => (a.run_key < b.run_key ? -1 : a.run_key > b.run_key ? 1 : 0));
      const after = query.after;
      const page = after === undefined ? sorted : sorted.filter((r) => r.run_key > after);
      return query.limit === undefined ? page : page.slice(0, query.limit);
    },
    async events(runKey) {
      return events.filter((e) => e.run_key === runKey);
    },
  };
}
