import type { Health, HealthReason, HealthThresholds, OfsMetrics } from '@ofs/contracts';

/**
 * Default thresholds: any failed run or any run that ran out of publish retries is RED, and so are
 * 10 anomalies or more; one anomaly, a pending publication, a denied evidence ref, a published
 * dataset that is not `COMPLETE_SUCCESS` or a cancelled run is AMBER. Label coverage has no default
 * floor (the policy gates training builds already).
 */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  red_failed: 1,
  red_anomalies: 10,
  red_publish_retry_exhausted: 1,
  amber_anomalies: 1,
  amber_publish_pending: 1,
  amber_evidence_denied: 1,
  amber_incomplete_datasets: 1,
  amber_cancelled: 1,
  min_label_coverage: null,
};

interface Rule {
  readonly code: string;
  readonly level: 'AMBER' | 'RED';
  readonly threshold: keyof Omit<HealthThresholds, 'min_label_coverage'>;
  readonly value: (m: OfsMetrics) => number;
  readonly what: string;
}

const RULES: readonly Rule[] = [
  { code: 'FAILED_RUNS', level: 'RED', threshold: 'red_failed', value: (m) => m.build_failed, what: 'runs failed' },
  { code: 'ANOMALIES_RED', level: 'RED', threshold: 'red_anomalies', value: (m) => m.anomalies.total, what: 'anomalies' },
  {
    code: 'PUBLISH_RETRY_EXHAUSTED',
    level: 'RED',
    threshold: 'red_publish_retry_exhausted',
    value: (m) => m.publish_retry_exhausted,
    what: 'runs ran out of publish retries',
  },
  { code: 'ANOMALIES', level: 'AMBER', threshold: 'amber_anomalies', value: (m) => m.anomalies.total, what: 'anomalies' },
  {
    code: 'PUBLISH_PENDING',
    level: 'AMBER',
    threshold: 'amber_publish_pending',
    value: (m) => m.publish_pending,
    what: 'runs wait to publish',
  },
  {
    code: 'EVIDENCE_REF_DENIED',
    level: 'AMBER',
    threshold: 'amber_evidence_denied',
    value: (m) => m.evidence_refs.denied,
    what: 'evidence refs were denied',
  },
  {
    code: 'INCOMPLETE_DATASETS',
    level: 'AMBER',
    threshold: 'amber_incomplete_datasets',
    value: (m) => Object.entries(m.status_classes).reduce((n, [k, v]) => (k === 'COMPLETE_SUCCESS' ? n : n + v), 0),
    what: 'published runs are not COMPLETE_SUCCESS',
  },
  { code: 'CANCELLED_RUNS', level: 'AMBER', threshold: 'amber_cancelled', value: (m) => m.cancelled, what: 'runs were cancelled' },
];

/**
 * The health of a set of runs: `RED` when any RED rule fires, else `AMBER` when any AMBER rule
 * fires, else `GREEN`. Every rule that fires is listed (RED first, then AMBER, each by code), with
 * the value and the threshold it met. A rule whose threshold is `null` is off; missing thresholds
 * take `DEFAULT_HEALTH_THRESHOLDS`.
 */
export function assessHealth(metrics: OfsMetrics, thresholds: Partial<HealthThresholds> = {}): Health {
  const t: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds };
  const reasons: HealthReason[] = [];
  for (const rule of RULES) {
    const threshold = t[rule.threshold];
    const value = rule.value(metrics);
    if (threshold !== null && value >= threshold && value > 0) {
      reasons.push({ code: rule.code, level: rule.level, value, threshold, message: `${value} ${rule.what} (threshold ${threshold})` });
    }
  }
  const coverage = metrics.labels.coverage_min;
  if (t.min_label_coverage !== null && coverage !== null && coverage < t.min_label_coverage) {
    reasons.push({
      code: 'LABEL_COVERAGE_LOW',
      level: 'AMBER',
      value: coverage,
      threshold: t.min_label_coverage,
      message: `smallest label coverage ${coverage} is below ${t.min_label_coverage}`,
    });
  }
  reasons.sort((a, b) => (a.level === b.level ? (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) : a.level === 'RED' ? -1 : 1));
  const state = reasons.some((r) => r.level === 'RED') ? 'RED' : reasons.length > 0 ? 'AMBER' : 'GREEN';
  return { state, reasons };
}
