import { OfsError, type ParityReport, parityReportKey, type RunRecord, sleepWithSignal } from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import type { DefaultCorridor } from '../../default-corridor.js';
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { describeRun, runJson } from '../format.js';
import { exitForRun, readJsonArg, withCorridor } from './shared.js';

/**
 * `ofs parity <intent.json>`: submits a `parity_rebuild` intent, runs it in this process and
 * prints its report (read back and checked against the sha256 the run recorded in the ledger).
 * Exit 0 when every anchor matches, 1 on any MISMATCH (or a failed run), 3 when nothing
 * mismatches but some anchor is UNCHECKABLE, 5 when the run did not finish.
 */
export const parityCommand: CliCommand = {
  name: 'parity',
  args: '<intent.json>',
  summary:
    'run a parity_rebuild intent and print its report: per anchor MATCH / MISMATCH (differing features) / UNCHECKABLE (why), per-feature match ratios (exit 0 all match, 1 mismatch, 3 uncheckable)',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    const intent = await readJsonArg(ctx, ctx.positionals[0] as string, 'intent');
    if (typeof intent !== 'object' || intent === null || (intent as { intent_kind?: unknown }).intent_kind !== 'parity_rebuild') {
      throw new OfsError('CLI_ARGUMENT_INVALID', { message: 'ofs parity takes an intent whose intent_kind is parity_rebuild' });
    }
    return withCorridor(ctx, async (corridor) => {
      const run = await driveRun(ctx, corridor, intent);
      if (run.state !== 'DONE' || run.outcome !== 'REPORTED' || run.plan_id === null) {
        return { exitCode: exitForRun(run), json: { run: runJson(run) }, text: describeRun(run) };
      }
      const { report, key, sha256 } = await readRecordedReport(ctx, corridor, run);
      const exitCode = report.verdict === 'MATCH' ? EXIT.OK : report.verdict === 'MISMATCH' ? EXIT.FAILED : EXIT.INPUT;
      return { exitCode, json: { run: runJson(run), report_key: key, report_sha256: sha256, report }, text: describeParity(key, report) };
    });
  },
};

/** Submits the intent and drives its run in this process (waiting out requeue backoffs). */
async function driveRun(ctx: CommandContext, corridor: DefaultCorridor, intent: unknown): Promise<RunRecord> {
  const submitted = await corridor.submit(intent, { signal: ctx.io.signal });
  ctx.progress(`submitted run ${submitted.run.run_key}${submitted.created ? '' : ' (already submitted)'}`);
  let run = await corridor.runBuild(submitted.run.run_key, { signal: ctx.io.signal });
  while (run.state === 'QUEUED' && !ctx.io.signal.aborted) {
    const wait = (run.not_before_ms ?? 0) - Date.now();
    if (wait > 0) await sleepWithSignal(wait, ctx.io.signal);
    run = await corridor.runBuild(run.run_key, { signal: ctx.io.signal });
  }
  return run;
}

/** Reads the run's report and checks its bytes against the sha256 recorded in the ledger. */
async function readRecordedReport(
  ctx: CommandContext,
  corridor: DefaultCorridor,
  run: RunRecord,
): Promise<{ report: ParityReport; key: string; sha256: string }> {
  const events = await corridor.ledger.events(run.run_key, { signal: ctx.io.signal });
  const completed = [...events].reverse().find((e) => e.type === 'COMPLETED');
  const key = (completed?.details.report_key as string | undefined) ?? parityReportKey(run.platform_run_id, run.plan_id as string);
  const recorded = completed?.details.report_sha256 as string | undefined;
  const bytes = await corridor.store.get(key, { signal: ctx.io.signal });
  if (bytes === undefined) {
    throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
      message: `run ${run.run_key} reported ${key}, which is missing`,
      details: { report_key: key },
    });
  }
  const sha256 = sha256Hex(bytes);
  if (recorded !== undefined && recorded !== sha256) {
    throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
      message: `parity report ${key} has sha256 ${sha256}, the run recorded ${recorded}`,
      details: { report_key: key, expected: recorded, actual: sha256 },
    });
  }
  return { report: JSON.parse(new TextDecoder().decode(bytes)) as ParityReport, key, sha256 };
}

/** The human lines of a parity report. */
export function describeParity(key: string, report: ParityReport): string[] {
  const t = report.totals;
  const lines = [
    `parity ${report.verdict}: ${t.anchors} anchor(s), ${t.match} MATCH, ${t.mismatch} MISMATCH, ${t.uncheckable} UNCHECKABLE`,
    `  report: ${key}`,
    `  profile: ${report.feature_profile.feature_set_id}@${report.feature_profile.feature_set_version}; replay ${report.replay_status}`,
  ];
  for (const a of report.anchors) {
    const who = a.entity ? ` ${a.entity.name}=${JSON.stringify(a.entity.key)}` : '';
    const at = a.as_of ? ` @${a.as_of.topic}/${a.as_of.partition} next ${a.as_of.next_offset}` : '';
    lines.push(`  ${a.status.padEnd(11)} ${a.anchor_ref}${who}${at}${a.compared_by ? ` (by ${a.compared_by})` : ''}`);
    if (a.reason) lines.push(`      why: ${a.reason}`);
    for (const d of a.differences)
      lines.push(`      ${d.feature}: expected ${JSON.stringify(d.expected)}, rebuilt ${JSON.stringify(d.rebuilt)}`);
  }
  if (report.features.length > 0) {
    lines.push('  per feature: compared / matches / mismatches / missing / extra / match ratio');
    for (const f of report.features) {
      lines.push(`    ${f.feature}: ${f.compared} / ${f.matches} / ${f.mismatches} / ${f.missing} / ${f.extra} / ${f.match_ratio ?? '-'}`);
    }
  }
  return lines;
}
