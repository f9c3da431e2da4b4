import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { labelAppenderOf, OfsError } from '@ofs/contracts';
import { importLabelAssertions } from '@ofs/labels';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { intOption, withCorridor } from './shared.js';

/**
 * `ofs labels import <file.jsonl>`: bulk-loads label assertions — one JSON object a line, ours or
 * the reference Label Store's as they are (ids and payload hashes derived or checked, provenance
 * kept) — into the corridor's label store (PGlite of `--dir`, or the server of `--database-url`)
 * through its import capability. Batches are atomic and appending is idempotent, so an
 * interrupted import is run again as it is.
 */
export const labelsCommand: CliCommand = {
  name: 'labels',
  args: 'import <file.jsonl>',
  summary: 'import label assertions (JSON Lines, ours or the reference Label Store’s) into the label store',
  positionals: { min: 2, max: 2 },
  options: {
    batch: { type: 'string', help: '<n> assertions per atomic batch (default 20000)' },
  },
  async run(ctx) {
    const [action, path] = ctx.positionals as [string, string];
    if (action !== 'import') {
      throw new OfsError('CLI_ARGUMENT_INVALID', { message: `ofs labels has one action, import; got ${JSON.stringify(action)}` });
    }
    const batchSize = intOption(ctx, 'batch', 20_000);
    const file = isAbsolute(path) ? path : resolve(ctx.io.cwd, path);
    try {
      await access(file);
    } catch (error) {
      throw new OfsError('CLI_ARGUMENT_INVALID', { message: `cannot read ${file}: ${(error as Error).message}` });
    }
    return withCorridor(ctx, async (corridor) => {
      const appender = labelAppenderOf(corridor.labels);
      const started = performance.now();
      const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
      const result = await importLabelAssertions(appender, lines, {
        batchSize,
        signal: ctx.io.signal,
        onProgress: (n) => ctx.progress(`imported ${n} assertions`),
      });
      const seconds = (performance.now() - started) / 1000;
      const marker = await corridor.labels.stateMarker({ signal: ctx.io.signal });
      return {
        exitCode: EXIT.OK,
        json: { file, ...result, seconds, label_store_state_marker: marker },
        text: [
          `imported ${result.assertions} assertions (${result.reference} in the reference shape) from ${file} in ${result.batches} batch(es), ${seconds.toFixed(1)} s`,
          `  label store state: ${marker}`,
        ],
      };
    });
  },
};
