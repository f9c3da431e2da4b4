import {
  buildReconciliation,
  buildReport,
  collectObservations,
  exportGovernanceFacts,
  renderReport,
  writeReconciliation,
} from '@ofs/observe';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { withCorridor } from './shared.js';

/**
 * `ofs report`: health, counters, datasets, recent failures and evidence-ref denials of the
 * corridor's runs (a thin wrapper of `@ofs/observe`'s `buildReport` / `renderReport`). With
 * `--write` it also exports the runs' governance facts and writes a reconciliation artifact per
 * platform run to the store. Exit 0 for GREEN or AMBER, 1 for RED.
 */
export const reportCommand: CliCommand = {
  name: 'report',
  args: '',
  summary: 'print health, counters and recent failures of the runs (exit 0 GREEN/AMBER, 1 RED)',
  positionals: { min: 0, max: 0 },
  options: {
    'platform-run': { type: 'string', help: '<id> only runs of this platform run' },
    limit: { type: 'string', help: '<n> recent failures and denials to list (default 10)' },
    write: { type: 'boolean', help: 'also write governance facts and a reconciliation per platform run to the store' },
  },
  async run(ctx) {
    const platformRunId = typeof ctx.values['platform-run'] === 'string' ? ctx.values['platform-run'] : undefined;
    const rawLimit = ctx.values.limit;
    const limit = typeof rawLimit === 'string' && /^[0-9]+$/.test(rawLimit) ? Number(rawLimit) : 10;
    return withCorridor(ctx, async (corridor) => {
      const signal = ctx.io.signal;
      const scope = platformRunId === undefined ? {} : { platformRunId };
      const report = await buildReport({ ledger: corridor.ledgerStore, store: corridor.store, limit, signal, ...scope });
      const written: { platform_run_id: string; reconciliation: string; facts: number }[] = [];
      if (ctx.values.write === true) {
        const observations = await collectObservations({ ledger: corridor.ledgerStore, store: corridor.store, signal, ...scope });
        const facts = await exportGovernanceFacts(observations.runs, { store: corridor.store, signal });
        const platformRuns = [...new Set(observations.runs.map((r) => r.platform_run_id))].sort();
        for (const id of platformRuns) {
          const reconciliation = await buildReconciliation(observations, { store: corridor.store, platformRunId: id, signal });
          const { key } = await writeReconciliation(reconciliation, corridor.store, { signal });
          written.push({
            platform_run_id: id,
            reconciliation: key,
            facts: facts.facts.filter((f) => f.platform_run_id === id).length,
          });
        }
      }
      const text = renderReport(report).trimEnd().split('\n');
      for (const w of written) text.push(`wrote ${w.reconciliation} (${w.facts} governance facts stored)`);
      return { exitCode: report.health.state === 'RED' ? EXIT.FAILED : EXIT.OK, json: { ...report, written }, text };
    });
  },
};
