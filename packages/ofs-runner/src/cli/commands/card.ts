import { resolve } from 'node:path';
import { isOfsError } from '@ofs/contracts';
import { buildDatasetCard } from '../../card/card-content.js';
import { writeDatasetCard } from '../../card/write-card.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { formatError } from '../hints.js';
import { manifestKeyArg, withCorridor } from './shared.js';

/**
 * `ofs card <manifest> [--out card.html]`: the dataset card, one self-contained static HTML page
 * (inline CSS and SVG, no network) with identity and pins, status and gates, replay coverage per
 * partition, label coverage and maturity over event time, conflicts, features with histograms and
 * the parts. `--json` prints the same content as data (and writes no file unless `--out` is given).
 */
export const cardCommand: CliCommand = {
  name: 'card',
  args: '<manifest>',
  summary: 'write the dataset card: one static HTML page (identity, gates, replay coverage, labels over time, features, parts)',
  positionals: { min: 1, max: 1 },
  options: {
    out: { type: 'string', help: '<file> where to write the HTML (default card.html; with --json only when given)' },
  },
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0]!);
      const deps = { store: corridor.store, signal: ctx.io.signal };
      const out = typeof ctx.values.out === 'string' ? ctx.values.out : ctx.values.json === true ? undefined : 'card.html';
      try {
        if (out === undefined) {
          const card = await buildDatasetCard(key, deps);
          return { exitCode: EXIT.OK, json: { card }, text: [] };
        }
        const file = resolve(ctx.io.cwd, out);
        const card = await writeDatasetCard(key, file, deps);
        return {
          exitCode: EXIT.OK,
          json: { file, card },
          text: [`wrote the dataset card of ${key} to ${file}`],
        };
      } catch (error) {
        // Evidence that does not verify is the outcome (exit 1, as `ofs verify`), not a usage error.
        if (!isOfsError(error, 'DATASET_INTEGRITY_VIOLATION') && !isOfsError(error, 'MANIFEST_MISSING')) throw error;
        ctx.io.stderr.write(`${formatError(error)}\n`);
        return { exitCode: EXIT.FAILED, json: { manifest_key: key, ok: false, error: error.toJSON() }, text: [`card FAILED: ${key}`] };
      }
    });
  },
};
