import { init as initZstd, compress as zstdCompress, decompress as zstdDecompress } from '@bokuweb/zstd-wasm';
import { type Column, OfsError, type PartSettings } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';

/**
 * The pinned Parquet writer (docs/decisions.md D92): hyparquet-writer 0.17.0 with zstd from
 * @bokuweb/zstd-wasm 0.0.27 (level 3). Recorded in drafts and manifests; changing any of these
 * versions changes part bytes, so it is a new writer string (and a golden-bytes test fails).
 */
export const PARQUET_WRITER = 'hyparquet-writer@0.17.0+zstd-wasm@0.0.27';

/** zstd level of Parquet pages. */
const ZSTD_LEVEL = 3;

/** Encodes one part's canonical JSONL rows into the bytes of another part format (a small writer interface). */
export interface PartEncoder {
  /** The part format, also the part key's extension. */
  readonly format: 'parquet';
  /** The writer and its pinned version (recorded in the draft and manifest). */
  readonly writer: string;
  /** The part bytes of `rows` canonical JSON row lines (`lines`: UTF-8, each ending with `\n`). */
  encode(lines: Uint8Array, rows: number): Uint8Array;
}

let zstdReady: Promise<void> | undefined;
/** Loads the zstd WASM codec once per process. */
function readyZstd(): Promise<void> {
  zstdReady ??= initZstd();
  return zstdReady;
}

interface SchemaElement {
  name: string;
  type?: string;
  type_length?: number;
  converted_type?: string;
  logical_type?: Record<string, unknown>;
  repetition_type?: string;
  precision?: number;
  scale?: number;
  num_children?: number;
}

/** The Parquet schema element of a row column (docs/decisions.md D91, "column types in Parquet"). */
export function parquetElement(column: Column): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  switch (column.type) {
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type };
    case 'integer':
    case 'int64':
      return { name, type: 'INT64', repetition_type };
    case 'decimal':
      if (column.scale === undefined || column.precision === undefined)
        return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
      if (column.precision <= 18) {
        return { name, type: 'INT64', converted_type: 'DECIMAL', precision: column.precision, scale: column.scale, repetition_type };
      }
      return {
        name,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        converted_type: 'DECIMAL',
        precision: column.precision,
        scale: column.scale,
        repetition_type,
      };
    case 'timestamp':
      return {
        name,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: column.unit === 'us' ? 'MICROS' : 'MILLIS' },
        repetition_type,
      };
    default:
      // string, and json as canonical JSON text (readable by every tool without a JSON extension).
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
  }
}

/** The Parquet cell of a row value (`null` stays `null`). */
type ToCell = (value: unknown) => unknown;

function toCell(column: Column): ToCell {
  switch (column.type) {
    case 'integer':
    case 'int64':
      return (v) => (v === null ? null : BigInt(v as number));
    case 'decimal':
      if (column.scale === undefined) return (v) => (v === null ? null : String(v));
      return (v) => (v === null ? null : unscaled(v as string));
    case 'timestamp': {
      const micros = column.unit === 'us';
      return (v) => (v === null ? null : instantTicks(v as string, micros));
    }
    case 'json':
      return (v) => (v === null ? null : canonicalJson(v));
    default:
      return (v) => (v === undefined ? null : v);
  }
}

/** `"-12.50"` → `-1250n` (the row value already has exactly the column's scale). */
function unscaled(text: string): bigint {
  return BigInt(text.replace('.', ''));
}

/** A canonical instant (`…T12:00:00.123Z` / `.123456Z`) as epoch milliseconds or microseconds. */
function instantTicks(text: string, micros: boolean): bigint {
  const seconds = BigInt(Date.parse(`${text.slice(0, 19)}Z`) / 1000);
  const frac = text.slice(20, text.length - 1);
  return micros ? seconds * 1_000_000n + BigInt(frac.padEnd(6, '0')) : seconds * 1_000n + BigInt(frac.padEnd(3, '0'));
}

/**
 * A Parquet part encoder for rows of `columns` with the pinned part settings: one column chunk
 * per column and row group, the policy's compression and row-group size, statistics on, no
 * timestamps or host names in the file (`created_by` is the pinned writer string), so the same
 * rows always give the same bytes.
 */
export async function createParquetPartEncoder(columns: readonly Column[], settings: PartSettings): Promise<PartEncoder> {
  if (settings.compression === 'zstd') await readyZstd();
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(parquetElement)];
  const cells = columns.map(toCell);
  const names = columns.map((c) => c.name);
  const codec = settings.compression === 'zstd' ? 'ZSTD' : settings.compression === 'snappy' ? 'SNAPPY' : 'UNCOMPRESSED';
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    format: 'parquet',
    writer: PARQUET_WRITER,
    encode(lines, rows) {
      const data: unknown[][] = names.map(() => new Array(rows));
      let start = 0;
      let row = 0;
      const text = decoder.decode(lines);
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        const object = JSON.parse(text.slice(start, end)) as Record<string, unknown>;
        for (let c = 0; c < names.length; c++) (data[c] as unknown[])[row] = (cells[c] as ToCell)(object[names[c] as string] ?? null);
        row++;
        start = end + 1;
      }
      if (row !== rows) throw new OfsError('PART_WRITE_FAILED', { message: `a part of ${rows} rows held ${row} lines` });
      try {
        const writer = new ByteWriter();
        parquetWrite({
          writer,
          // biome-ignore lint/suspicious/noExplicitAny: the writer's SchemaElement type is structural JSON.
          schema: schema as any,
          columnData: names.map((name, c) => ({ name, data: data[c] as unknown[] })) as never,
          codec,
          compressors: { ZSTD: (input: Uint8Array) => zstdCompress(input, ZSTD_LEVEL) },
          statistics: true,
          rowGroupSize: settings.row_group_rows,
          createdBy: PARQUET_WRITER,
        });
        return new Uint8Array(writer.getBuffer());
      } catch (error) {
        throw new OfsError('PART_WRITE_FAILED', {
          message: `the Parquet writer failed: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
    },
  };
}

/**
 * The rows of a Parquet part as row objects, the same JS values a JSONL part of the same rows
 * parses to (see `column-types.ts`): `int64`/`integer` as numbers, decimals as exact strings with
 * the column's scale, timestamps as canonical UTC instants, `json` columns parsed. Throws
 * `DATASET_INTEGRITY_VIOLATION` when the file is not Parquet or its schema is not `columns`.
 */
export async function decodeParquetPart(bytes: Uint8Array, columns: readonly Column[], key: string): Promise<Record<string, unknown>[]> {
  await readyZstd();
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    throw violation(`part ${key} is not a Parquet file: ${error instanceof Error ? error.message : String(error)}`, key);
  }
  const elements = metadata.schema as unknown as SchemaElement[];
  const expected = columns.map(parquetElement);
  const actual = elements.slice(1);
  if (actual.length !== expected.length || expected.some((e, i) => !sameElement(e, actual[i] as SchemaElement))) {
    throw violation(`part ${key} does not have the manifest's columns and types`, key);
  }
  // Read decimals and timestamps as their raw integers: the conversion below is exact.
  for (const e of actual) {
    if (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'TIMESTAMP' || e.logical_type?.type === 'DECIMAL') {
      e.converted_type = undefined as never;
      e.logical_type = undefined as never;
      delete e.converted_type;
      delete e.logical_type;
    }
  }
  let rows: Record<string, unknown>[];
  try {
    rows = (await parquetReadObjects({
      file: buffer,
      metadata,
      compressors: { ZSTD: (input: Uint8Array) => zstdDecompress(input) },
    })) as Record<string, unknown>[];
  } catch (error) {
    throw violation(`part ${key} does not decode: ${error instanceof Error ? error.message : String(error)}`, key);
  }
  const fromCell = columns.map(fromCellOf);
  const out: Record<string, unknown>[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const cells = rows[r] as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) {
      const name = (columns[c] as Column).name;
      const cell = cells[name];
      row[name] = cell === null || cell === undefined ? null : (fromCell[c] as (v: unknown) => unknown)(cell);
    }
    out[r] = row;
  }
  return out;
}

function sameElement(a: SchemaElement, b: SchemaElement): boolean {
  return (
    a.name === b.name &&
    a.type === b.type &&
    (a.repetition_type ?? 'REQUIRED') === (b.repetition_type ?? 'REQUIRED') &&
    (a.converted_type === 'DECIMAL' ? b.precision === a.precision && b.scale === a.scale : true) &&
    (a.logical_type?.type === 'TIMESTAMP' ? b.logical_type?.type === 'TIMESTAMP' && b.logical_type?.unit === a.logical_type.unit : true)
  );
}

function fromCellOf(column: Column): (cell: unknown) => unknown {
  switch (column.type) {
    case 'integer':
    case 'int64':
      return (v) => Number(v as bigint);
    case 'decimal': {
      const scale = column.scale;
      if (scale === undefined) return (v) => v;
      return (v) => formatScaled(typeof v === 'bigint' ? v : signedBigEndian(v as Uint8Array), scale);
    }
    case 'timestamp': {
      const micros = column.unit === 'us';
      return (v) => formatTicks(v as bigint, micros);
    }
    case 'json':
      return (v) => JSON.parse(v as string);
    default:
      return (v) => v;
  }
}

/** A two's-complement big-endian integer. */
function signedBigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0 ? value - (1n << bits) : value;
}

/** `-1250n`, scale 2 → `"-12.50"`. */
export function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function formatTicks(ticks: bigint, micros: boolean): string {
  const per = micros ? 1_000_000n : 1_000n;
  let seconds = ticks / per;
  let frac = ticks % per;
  if (frac < 0n) {
    frac += per;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(micros ? 6 : 3, '0')}Z`;
}

function violation(message: string, key: string): OfsError {
  return new OfsError('DATASET_INTEGRITY_VIOLATION', { message, details: { part: key } });
}
