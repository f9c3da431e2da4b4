import {
  type AbortOptions,
  assertObjectKey,
  type DatasetManifest,
  DatasetManifestSchema,
  OfsError,
  type ObjectStore,
  toOfsError,
} from '@ofs/contracts';
import { readJson, sha256Hex } from '@ofs/ids';
import { partFormatOf, partLines } from './part-rows.js';
import { createRowsDigestCheck } from './rows-digest.js';
import { schemaProblems } from './schema-check.js';
import { integrityViolation, type VerifyLedger, verifyManifestChain } from './verify-dataset.js';

/** Dependencies of `readDataset`. */
export interface ReadDatasetDeps extends AbortOptions {
  store: ObjectStore;
  /** With a ledger, the manifest digest and artifact digests the publishing runs recorded are checked too. */
  ledger?: VerifyLedger;
}

function violation(message: string, details: Record<string, unknown>): OfsError {
  return new OfsError('DATASET_INTEGRITY_VIOLATION', { message, details });
}

/** Reads and validates a v1 or v2 manifest; `REF_NOT_FOUND` when absent, `DATASET_INTEGRITY_VIOLATION` when not a manifest. */
export async function readManifest(manifestKey: string, deps: ReadDatasetDeps): Promise<DatasetManifest> {
  assertObjectKey(manifestKey);
  const manifest = await readJson(deps.store, manifestKey, deps.signal ? { signal: deps.signal } : undefined);
  if (manifest === undefined)
    throw new OfsError('REF_NOT_FOUND', { message: `no manifest at ${manifestKey}`, details: { key: manifestKey } });
  const problems = schemaProblems(DatasetManifestSchema, manifest);
  if (problems.length > 0)
    throw violation(`${manifestKey} is not a dataset manifest (v1 or v2): ${problems.join('; ')}`, { manifest_key: manifestKey, problems });
  return manifest as DatasetManifest;
}

/**
 * Streams a published dataset's rows in row order, from JSONL or Parquet parts alike: the same
 * rows give the same objects (JS types: strings, booleans, `integer`/`int64` as numbers within
 * ±(2^53 − 1), decimals as exact strings (typed decimals with exactly their scale), timestamps as
 * canonical UTC instants, `json` columns as parsed JSON). Before the first row,
 * the whole evidence chain is verified (`verifyManifestChain`: canonical manifest, evidence
 * digests, the manifest's claims against its receipts and plan, the by-plan index, and with a
 * `ledger` the recorded manifest digest). Each part is checked against its size and sha256 before
 * any of its rows is yielded, and the rows count and `rows_digest` are checked as the stream ends:
 * any difference is `DATASET_INTEGRITY_VIOLATION`. Memory: one part.
 */
export async function* readDataset(manifestKey: string, deps: ReadDatasetDeps): AsyncGenerator<Record<string, unknown>> {
  const chain = await verifyManifestChain(manifestKey, deps);
  if (chain.differences.length > 0 || chain.manifest === undefined) throw integrityViolation(manifestKey, chain.differences);
  const manifest = chain.manifest;
  const format = partFormatOf(manifest);
  const signal = deps.signal ? { signal: deps.signal } : undefined;
  const digest = createRowsDigestCheck(manifest.rows_digest_recipe);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rows = 0;
  for (const part of manifest.parts) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await deps.store.get(part.key, signal);
    } catch (error) {
      throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${part.key}`);
    }
    if (bytes === undefined) throw violation(`part ${part.key} is missing`, { part: part.key });
    if (bytes.byteLength !== part.bytes) {
      throw violation(`part ${part.key} has ${bytes.byteLength} bytes, the manifest says ${part.bytes}`, { part: part.key });
    }
    const actual = sha256Hex(bytes);
    if (actual !== part.sha256)
      throw violation(`part ${part.key} has sha256 ${actual}, the manifest says ${part.sha256}`, { part: part.key, actual });
    if (format === 'parquet') {
      const decoded = await partLines(bytes, format, manifest.columns, part.key);
      const partRows = decoded.rows ?? [];
      if (partRows.length !== part.rows) throw violation(`part ${part.key} does not hold ${part.rows} rows`, { part: part.key });
      digest.part(part).update(decoded.lines);
      for (const row of partRows) {
        rows++;
        yield row;
      }
      continue;
    }
    digest.part(part).update(bytes);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (error) {
      throw violation(`part ${part.key} is not UTF-8`, { part: part.key, cause: String(error) });
    }
    const lines = text.split('\n');
    if (lines.pop() !== '' || lines.length !== part.rows) {
      throw violation(`part ${part.key} does not hold ${part.rows} newline-terminated rows`, { part: part.key });
    }
    for (const line of lines) {
      rows++;
      yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  if (rows !== manifest.rows_total)
    throw violation(`read ${rows} rows, the manifest says ${manifest.rows_total}`, { manifest_key: manifestKey });
  const rowsDigest = digest.digestHex();
  if (rowsDigest !== manifest.rows_digest) {
    throw violation(`the rows hash to ${rowsDigest}, the manifest says ${manifest.rows_digest}`, { manifest_key: manifestKey });
  }
}
