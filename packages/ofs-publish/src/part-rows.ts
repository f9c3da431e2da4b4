import type { Column } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import { decodeParquetPart } from './parquet-part.js';

const utf8 = new TextEncoder();

/** A part's rows as the canonical JSONL lines the rows digest covers, plus the decoded rows of a Parquet part. */
export interface PartLines {
  /** The canonical row lines, each ending with `\n` (a JSONL part's own bytes). */
  readonly lines: Uint8Array;
  /** The rows, decoded (Parquet parts only). */
  readonly rows: Record<string, unknown>[] | undefined;
}

/**
 * The canonical row lines of a stored part, whatever its format: a JSONL part is its own lines; a
 * Parquet part is decoded (`decodeParquetPart`) and each row re-encoded as canonical JSON. The
 * rows digest (`ofs.rows_digest.v2` and `v3` alike) is over these lines, so a Parquet and a JSONL build of one
 * plan share it.
 */
export async function partLines(
  bytes: Uint8Array,
  format: 'jsonl' | 'parquet',
  columns: readonly Column[],
  key: string,
): Promise<PartLines> {
  if (format === 'jsonl') return { lines: bytes, rows: undefined };
  const rows = await decodeParquetPart(bytes, columns, key);
  let text = '';
  for (const row of rows) text += `${canonicalJson(row)}\n`;
  return { lines: utf8.encode(text), rows };
}

/** The part format of a draft or manifest (absent = JSONL, records from before Parquet). */
export function partFormatOf(record: object): 'jsonl' | 'parquet' {
  return (record as { part_format?: { format?: 'jsonl' | 'parquet' } }).part_format?.format ?? 'jsonl';
}
