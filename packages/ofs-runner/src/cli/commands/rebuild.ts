import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileFeatureProfiles, createFsObjectStore } from '@ofs/fs';
import { type ForensicResult, forensicRebuild } from '../../forensic-rebuild.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { manifestKeyArg, withCorridor } from './shared.js';

/**
 * `ofs rebuild <manifest>`: a forensic rebuild of a published dataset from its own stored plan,
 * into a scratch directory under `<dir>/scratch/` (removed afterwards unless `--keep`); nothing
 * is published. Exit 0 IDENTICAL, 1 DIVERGED, 3 when a pin cannot be resolved.
 */
export const rebuildCommand: CliCommand = {
  name: 'rebuild',
  args: '<manifest>',
  summary:
    'forensic rebuild of a published dataset from its own pins into a scratch area: IDENTICAL, or DIVERGED with the first differing part and row and which input changed (exit 0 / 1)',
  positionals: { min: 1, max: 1 },
  options: {
    keep: { type: 'boolean', help: 'keep the scratch directory with the rebuilt receipts and parts' },
  },
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0] as string);
      const base = join(corridor.layout.dir, 'scratch');
      await mkdir(base, { recursive: true });
      const scratchDir = await mkdtemp(join(base, 'rebuild-'));
      const keep = ctx.values.keep === true;
      try {
        const result = await forensicRebuild(
          key,
          {
            store: corridor.store,
            scratch: createFsObjectStore({ root: scratchDir }),
            eb: corridor.eb,
            archive: corridor.archive,
            labels: corridor.labels,
            profiles: createFileFeatureProfiles({ root: corridor.layout.profiles }),
            policy: corridor.policy,
          },
          { signal: ctx.io.signal },
        );
        return {
          exitCode: result.verdict === 'IDENTICAL' ? EXIT.OK : EXIT.FAILED,
          json: { ...result, scratch: keep ? scratchDir : null },
          text: describeRebuild(result, keep ? scratchDir : null),
        };
      } finally {
        if (!keep) await rm(scratchDir, { recursive: true, force: true });
      }
    });
  },
};

/** The human lines of a forensic rebuild. */
export function describeRebuild(r: ForensicResult, scratch: string | null): string[] {
  const lines = [
    `${r.verdict}: ${r.manifest_key} rebuilt from plan ${r.plan_id}`,
    `  published: ${r.original.rows_total} rows in ${r.original.parts} part(s), rows digest ${r.original.rows_digest}`,
    `  rebuilt:   ${r.rebuilt.rows_total} rows in ${r.rebuilt.parts} part(s), rows digest ${r.rebuilt.rows_digest}`,
  ];
  const d = r.first_difference;
  if (d) {
    lines.push(
      `  first difference: part ${d.part_index}, row ${d.row_in_part} of it (row ${d.row_index} of the dataset)${d.event_id ? `, event ${d.event_id}` : ''}`,
    );
    if (d.original_row !== null) lines.push(`    published: ${d.original_row}`);
    if (d.rebuilt_row !== null) lines.push(`    rebuilt:   ${d.rebuilt_row}`);
  }
  const { replay, labels, profile } = r.inputs;
  lines.push(
    `  inputs: replay ${replay.changed ? `CHANGED (evidence digest ${replay.original_evidence_digest} → ${replay.rebuilt_evidence_digest}${replay.slices.length > 0 ? `; slices ${replay.slices.join(', ')}` : ''})` : 'unchanged'}`,
    `          label store ${labels.changed ? `CHANGED (state marker ${labels.original_state_marker} → ${labels.rebuilt_state_marker})` : 'unchanged'}`,
    `          feature profile ${profile.changed ? 'CHANGED' : 'unchanged'} (${profile.digest})`,
  );
  if (scratch) lines.push(`  scratch: ${scratch}`);
  return lines;
}
