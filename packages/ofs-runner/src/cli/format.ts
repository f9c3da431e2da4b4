import type { DatasetManifest, RunEvent, RunRecord } from '@ofs/contracts';

/** A JSON view of a run for `--json` output (the intent is left out; `status` shows it). */
export function runJson(run: RunRecord): Record<string, unknown> {
  const { intent: _intent, ...rest } = run;
  return rest;
}

/** Human lines describing a run. */
export function describeRun(run: RunRecord): string[] {
  const lines = [
    `run ${run.run_key}  request ${run.request_id}  platform run ${run.platform_run_id}`,
    `  state ${run.state}${run.mode !== 'NONE' ? ` (${run.mode})` : ''}  attempts: full ${run.full_run_attempts}, publish ${run.publish_retry_attempts}`,
  ];
  if (run.plan_id) lines.push(`  plan ${run.plan_id}`);
  if (run.outcome) lines.push(`  outcome ${run.outcome}  status class ${run.status_class}  manifest ${run.manifest_key}`);
  if (run.last_error)
    lines.push(`  last error ${run.last_error.code}${run.last_error.stage ? ` (${run.last_error.stage})` : ''}: ${run.last_error.message}`);
  if (run.lease && run.state === 'RUNNING')
    lines.push(`  lease held by ${run.lease.worker} until ${new Date(run.lease.expires_at_ms).toISOString()}`);
  return lines;
}

/** Human lines for a run's events. */
export function describeEvents(events: readonly RunEvent[]): string[] {
  return events.map((e) => {
    const d = e.details;
    const extra = [d.stage, d.error_code, d.outcome, d.plan_id, d.outcome === undefined ? undefined : d.manifest_key]
      .filter((x) => typeof x === 'string')
      .join(' ');
    return `  #${e.seq} ${new Date(e.at_ms).toISOString()} ${e.type.padEnd(15)} ${e.from_state ?? '-'} → ${e.to_state}${e.worker ? ` [${e.worker}]` : ''}${extra ? `  ${extra}` : ''}`;
  });
}

/** Human lines summarising a manifest. */
export function describeManifest(key: string, m: DatasetManifest): string[] {
  const pf = 'part_format' in m ? m.part_format : undefined;
  const lines = [
    `manifest ${key}`,
    `  dataset ${m.dataset_manifest_id}  fingerprint ${m.dataset_fingerprint}`,
    `  plan ${m.plan_id}  ${m.intent_kind}  posture ${m.training_posture}  status class ${m.status_class} (replay ${m.replay_status}, labels ${m.label_status})`,
    `  rows ${m.rows_total} in ${m.parts.length} ${pf ? `${pf.format}${pf.format === 'parquet' ? ` (${pf.compression})` : ''} ` : ''}part(s), ${m.bytes_total} bytes  rows digest ${m.rows_digest}`,
    `  replay basis: ${m.replay_basis.length} slice(s), basis hash ${m.basis_hash}`,
    ...m.replay_basis.map((s) => `    ${s.topic}/${s.partition} ${s.offset_kind} ${s.start_offset}..${s.end_offset}`),
    `  labels as of ${m.label_basis.label_asof_instant} (${m.label_basis.posture}), types ${m.label_basis.label_types.join(', ')}, store state ${m.label_basis.label_store_state_marker}`,
    `  feature profile ${m.feature_definition_set.feature_set_id}@${m.feature_definition_set.feature_set_version} (${m.feature_profile.ref}, digest ${m.feature_profile.digest.slice(0, 16)}…), ${m.columns.length} columns`,
    `  provenance: code ${m.provenance.ofs_code_release_id}, config ${m.provenance.config_revision}, policy ${m.provenance.policy_revision}, run-config ${m.provenance.run_config_digest ?? '-'}`,
  ];
  if (m.supersedes) lines.push(`  supersedes ${m.supersedes.map((r) => r.key).join(', ')} (${m.backfill_reason ?? ''})`);
  return lines;
}
