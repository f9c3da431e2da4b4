import { join, sep } from 'node:path';
import { type Column, OfsError } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import { partFormatOf, readDataset, readManifest } from '@ofs/publish';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { intOption, manifestKeyArg, withCorridor } from './shared.js';

/**
 * `ofs parts <manifest>`: the manifest's part files as paths, one per line in row order (or a
 * JSON document with `--json`), for tools that read Parquet or JSONL directly, e.g. DuckDB's
 * `read_parquet([...])`, pandas or polars. Reads the manifest only; `ofs verify` checks the parts.
 */
export const partsCommand: CliCommand = {
  name: 'parts',
  args: '<manifest>',
  summary: "list a manifest's part files (one path per line, or --json) for DuckDB, pandas, polars",
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0] as string);
      const manifest = await readManifest(key, { store: corridor.store, signal: ctx.io.signal });
      const paths = manifest.parts.map((p) => join(corridor.layout.store, ...p.key.split('/')));
      return {
        exitCode: EXIT.OK,
        json: {
          manifest_key: key,
          format: partFormatOf(manifest),
          rows_total: manifest.rows_total,
          parts: manifest.parts.map((p, i) => ({ ...p, path: paths[i] })),
        },
        text: paths.map((p) => p.split(sep).join('/')),
      };
    });
  },
};

/**
 * `ofs rows <manifest> [--limit N] [--format jsonl|csv]`: prints a dataset's rows through
 * `readDataset` (the whole evidence chain is verified first, every part as it is read): canonical
 * JSON lines, or CSV with a header of the manifest's columns (null = empty field; JSON values as
 * canonical JSON text). Rows go to stdout as they are read; `--json` prints a summary instead.
 */
export const rowsCommand: CliCommand = {
  name: 'rows',
  args: '<manifest>',
  summary: "print a dataset's rows (verified) as JSON lines or CSV",
  positionals: { min: 1, max: 1 },
  options: {
    limit: { type: 'string', help: '<n> stop after n rows (default: all)' },
    format: { type: 'string', help: 'jsonl (default) or csv' },
  },
  async run(ctx) {
    const limit = intOption(ctx, 'limit', Number.MAX_SAFE_INTEGER, 0);
    const format = (ctx.values.format as string | undefined) ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') {
      throw new OfsError('CLI_ARGUMENT_INVALID', { message: `--format must be jsonl or csv, got ${format}` });
    }
    const quiet = Boolean(ctx.values.json);
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0] as string);
      const manifest = await readManifest(key, { store: corridor.store, signal: ctx.io.signal });
      const names = manifest.columns.map((c: Column) => c.name);
      if (format === 'csv' && !quiet) ctx.io.stdout.write(`${names.map(csvField).join(',')}\n`);
      let rows = 0;
      if (limit > 0) {
        for await (const row of readDataset(key, { store: corridor.store, signal: ctx.io.signal })) {
          if (!quiet) {
            ctx.io.stdout.write(
              format === 'jsonl' ? `${canonicalJson(row)}\n` : `${names.map((n) => csvField(csvValue(row[n]))).join(',')}\n`,
            );
          }
          if (++rows >= limit) break;
        }
      }
      return { exitCode: EXIT.OK, json: { manifest_key: key, format, rows }, text: [] };
    });
  },
};

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return canonicalJson(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
