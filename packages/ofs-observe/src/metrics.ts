import { INTENT_KINDS, isOfsErrorCode, type OfsMetrics } from '@ofs/contracts';
import { normalizeObservations } from './dedupe.js';
import { bump, eventErrorCode, evidenceRefOf, sortedCounts } from './event-details.js';
import type { RunObservations } from './observations.js';

/**
 * How replay receipt anomaly codes map onto the closed error catalogue, so anomaly classes stay
 * catalogue codes (the receipt's own codes are kept under `metrics.replay.anomalies_by_code`).
 */
export const REPLAY_ANOMALY_CATALOGUE_CODES = {
  REPLAY_BASIS_MISMATCH: 'REPLAY_BASIS_MISMATCH',
  REPLAY_DUPLICATE_OFFSET_MISMATCH: 'REPLAY_BASIS_MISMATCH',
  REPLAY_BASIS_GAP: 'REPLAY_INCOMPLETE',
  REPLAY_BASIS_UNCOVERED: 'REPLAY_UNSATISFIABLE',
} as const;

const KNOWN_KINDS: ReadonlySet<string> = new Set(INTENT_KINDS);

/**
 * Reduces ledger runs and events and the stored receipts and manifests to the corridor's counters
 * (see `OfsMetricsSchema` for every field). Pure: the same observations in any order, with any
 * duplicates, give the same metrics (`normalizeObservations` first). Counters of current state
 * (`queued`, `running`, `publish_pending`) come from run records; counters of things that happened
 * (`requeued`, `publish_retries`, evidence refs) from events; replay, label and dataset figures
 * from the distinct receipts and manifests of the runs.
 */
export function reduceMetrics(observations: RunObservations): OfsMetrics {
  const { runs, events, replayReceipts, labelReceipts, manifests } = normalizeObservations(observations);
  const failedByCode: Record<string, number> = {};
  const statusClasses: Record<string, number> = {};
  const byKind: Record<string, { requested: number; completed: number; failed: number }> = {};
  const anomalies: Record<string, number> = {};
  let uncatalogued = 0;
  const anomaly = (code: string | null): void => {
    if (code !== null && isOfsErrorCode(code)) bump(anomalies, code);
    else uncatalogued += 1;
  };

  const manifestKeys = new Set<string>();
  let completed = 0;
  let failed = 0;
  let alreadyPublished = 0;
  let pending = 0;
  let exhausted = 0;
  let cancelled = 0;
  let queued = 0;
  let running = 0;
  for (const run of runs) {
    const kind = KNOWN_KINDS.has(run.intent_kind) ? run.intent_kind : 'other';
    const k = (byKind[kind] ??= { requested: 0, completed: 0, failed: 0 });
    k.requested += 1;
    switch (run.state) {
      case 'DONE':
        completed += 1;
        k.completed += 1;
        if (run.manifest_key !== null) manifestKeys.add(run.manifest_key);
        if (run.outcome === 'ALREADY_PUBLISHED') alreadyPublished += 1;
        if (run.status_class !== null) bump(statusClasses, run.status_class);
        break;
      case 'FAILED': {
        failed += 1;
        k.failed += 1;
        const code = run.last_error?.code ?? null;
        bump(failedByCode, code !== null && isOfsErrorCode(code) ? code : 'INTERNAL_ERROR');
        if (code === 'PUBLISH_RETRY_EXHAUSTED') exhausted += 1;
        anomaly(code);
        break;
      }
      case 'PUBLISH_PENDING':
        pending += 1;
        break;
      case 'CANCELLED':
        cancelled += 1;
        break;
      case 'QUEUED':
        queued += 1;
        break;
      case 'RUNNING':
        running += 1;
        break;
    }
  }

  let requeued = 0;
  let publishRetries = 0;
  const evidence = { attempted: 0, resolved: 0, denied: 0 };
  const deniedByCode: Record<string, number> = {};
  for (const event of events) {
    if (event.type === 'REQUEUED') {
      requeued += 1;
      anomaly(eventErrorCode(event));
    } else if (event.type === 'PUBLISH_PENDING') {
      anomaly(eventErrorCode(event));
    } else if (event.type === 'CLAIMED' && event.details.mode === 'PUBLISH_ONLY') {
      publishRetries += 1;
    } else if (event.type === 'EVIDENCE_REF') {
      const audited = evidenceRefOf(event);
      evidence.attempted += 1;
      if (audited?.outcome === 'RESOLVED') {
        evidence.resolved += 1;
      } else {
        evidence.denied += 1;
        const code = audited?.catalogued ? audited.outcome : null;
        if (code !== null) bump(deniedByCode, code);
        anomaly(code);
      }
    }
  }

  const replay = {
    receipts: replayReceipts.length,
    events_replayed: 0,
    from_eb: 0,
    from_archive: 0,
    archive_used: 0,
    duplicates: 0,
    mismatches: 0,
    dropped: 0,
    gaps: 0,
    missing_offsets: '0',
    by_status: {} as Record<string, number>,
    anomalies_by_code: {} as Record<string, number>,
  };
  let missing = 0n;
  for (const receipt of replayReceipts) {
    const t = receipt.totals;
    replay.events_replayed += t.records;
    replay.from_eb += t.from_eb;
    replay.from_archive += t.from_archive;
    replay.duplicates += t.duplicates;
    replay.mismatches += t.mismatches;
    replay.dropped += t.dropped_out_of_range + t.dropped_foreign;
    bump(replay.by_status, receipt.status);
    for (const slice of receipt.slices) {
      if (slice.counts.from_archive > 0) replay.archive_used += 1;
      if (slice.missing_offsets !== '0') replay.gaps += 1;
      missing += BigInt(slice.missing_offsets);
    }
    for (const [code, n] of Object.entries(receipt.anomalies.by_code)) {
      bump(replay.anomalies_by_code, code, n);
      const mapped = (REPLAY_ANOMALY_CATALOGUE_CODES as Record<string, string>)[code];
      if (mapped === undefined) uncatalogued += n;
      else bump(anomalies, mapped, n);
    }
  }
  replay.missing_offsets = missing.toString();
  replay.by_status = sortedCounts(replay.by_status);
  replay.anomalies_by_code = sortedCounts(replay.anomalies_by_code);

  const labels = {
    receipts: labelReceipts.length,
    subjects: 0,
    immature: 0,
    coverage_min: null as number | null,
    conflict_ratio_max: null as number | null,
    not_ready: 0,
  };
  for (const receipt of labelReceipts) {
    labels.subjects += receipt.counts.subjects;
    labels.immature += receipt.counts.immature;
    labels.coverage_min = labels.coverage_min === null ? receipt.coverage : Math.min(labels.coverage_min, receipt.coverage);
    labels.conflict_ratio_max =
      labels.conflict_ratio_max === null ? receipt.conflict_ratio : Math.max(labels.conflict_ratio_max, receipt.conflict_ratio);
    if (receipt.status === 'NOT_READY_FOR_TRAINING') labels.not_ready += 1;
  }

  const datasets = { manifests: manifests.length, rows_total: 0, bytes_total: 0, parts: 0 };
  for (const manifest of manifests) {
    datasets.rows_total += manifest.rows_total;
    datasets.bytes_total += manifest.bytes_total;
    datasets.parts += manifest.parts.length;
  }

  const byCode = sortedCounts(anomalies);
  const sortedKinds: OfsMetrics['by_intent_kind'] = {};
  for (const kind of Object.keys(byKind).sort()) sortedKinds[kind] = byKind[kind]!;
  return {
    build_requested: runs.length,
    build_completed: completed,
    build_failed: failed,
    build_failed_by_code: sortedCounts(failedByCode),
    datasets_built: manifestKeys.size,
    already_published: alreadyPublished,
    publish_pending: pending,
    publish_retry_exhausted: exhausted,
    cancelled,
    queued,
    running,
    requeued,
    publish_retries: publishRetries,
    by_intent_kind: sortedKinds,
    status_classes: sortedCounts(statusClasses),
    replay,
    labels,
    datasets,
    evidence_refs: { ...evidence, denied_by_code: sortedCounts(deniedByCode) },
    anomalies: { total: Object.values(byCode).reduce((a, b) => a + b, 0) + uncatalogued, by_code: byCode, uncatalogued },
    ledger: { runs: runs.length, events: events.length },
  };
}
