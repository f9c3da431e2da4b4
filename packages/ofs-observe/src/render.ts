import type { OfsReport } from './report.js';

/** A bounded, printable rendering of a string from the ledger or store (control characters escaped). */
export function printable(text: string, max = 160): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  let out = '';
  for (const c of cut) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    out += control ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

/** A ratio rounded to 4 decimals for reading (the JSON keeps the exact value). */
const ratio = (n: number | null): string => (n === null ? '-' : String(Number(n.toFixed(4))));

const counts = (byKey: Record<string, number>): string => {
  const entries = Object.entries(byKey);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
};

/** The report as text for a terminal: health and its reasons, counters, datasets, recent failures, denials. */
export function renderReport(report: OfsReport): string {
  const m = report.metrics;
  const lines: string[] = [];
  lines.push(`OFS report — ${report.platform_run_id === null ? 'all platform runs' : `platform run ${printable(report.platform_run_id)}`}`);
  lines.push(`health: ${report.health.state}`);
  for (const r of report.health.reasons) lines.push(`  ${r.level} ${r.code}: ${r.message}`);
  lines.push(
    `builds: requested ${m.build_requested} · completed ${m.build_completed} · failed ${m.build_failed} · datasets built ${m.datasets_built} · already published ${m.already_published}`,
  );
  lines.push(
    `        publish pending ${m.publish_pending} · retry exhausted ${m.publish_retry_exhausted} · cancelled ${m.cancelled} · queued ${m.queued} · running ${m.running} · requeued ${m.requeued}`,
  );
  if (m.build_failed > 0) lines.push(`failed by code: ${counts(m.build_failed_by_code)}`);
  const r = m.replay;
  lines.push(
    `replay: ${r.receipts} receipts · ${r.events_replayed} events replayed (EB ${r.from_eb}, Archive ${r.from_archive}) · archive used in ${r.archive_used} slices · gaps ${r.gaps} (${r.missing_offsets} offsets) · mismatches ${r.mismatches} · duplicates ${r.duplicates}`,
  );
  const l = m.labels;
  lines.push(
    `labels: ${l.receipts} receipts · ${l.subjects} subjects · coverage min ${ratio(l.coverage_min)} · conflict ratio max ${ratio(l.conflict_ratio_max)} · not ready ${l.not_ready}`,
  );
  lines.push(
    `datasets: ${m.datasets.manifests} manifests · ${m.datasets.rows_total} rows · ${m.datasets.parts} parts · ${m.datasets.bytes_total} bytes`,
  );
  for (const d of report.datasets) {
    lines.push(
      `  ${d.dataset_manifest_id} ${d.status_class} ${d.training_posture}: ${d.rows_total} rows in ${d.parts} parts (${printable(d.manifest_key)})`,
    );
  }
  const e = m.evidence_refs;
  lines.push(
    `evidence refs: ${e.attempted} attempted · ${e.resolved} resolved · ${e.denied} denied${e.denied > 0 ? ` (${counts(e.denied_by_code)})` : ''}`,
  );
  lines.push(
    `anomalies: ${m.anomalies.total}${m.anomalies.total > 0 ? ` (${counts(m.anomalies.by_code)}${m.anomalies.uncatalogued > 0 ? `, uncatalogued ${m.anomalies.uncatalogued}` : ''})` : ''}`,
  );
  if (report.recent_failures.length > 0) {
    lines.push('recent failures:');
    for (const f of report.recent_failures) {
      const where = f.stage === null ? '' : ` at ${f.stage}`;
      lines.push(
        `  ${f.at_utc} ${f.run_key} ${printable(f.request_id)} ${f.state} ${f.error_code ?? '-'}${where}: ${printable(f.message ?? '')}`,
      );
    }
  }
  if (report.evidence_denials.length > 0) {
    lines.push('evidence-ref denials:');
    for (const d of report.evidence_denials) {
      lines.push(`  ${d.at_utc} ${d.run_key} ${d.outcome} ${printable(d.purpose)} ${printable(d.ref)} by ${printable(d.actor)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
