import { type AbortOptions, type Column, type DatasetPart, datasetStatsKey, type ObjectStore, OfsError } from '@ofs/contracts';
import { canonicalJson, sha256Hex, utf8, writeOnceJson } from '@ofs/ids';
import { type DatasetStats, DatasetStatsAccumulator } from './dataset-stats.js';
import { partLines } from './part-rows.js';

/** Where a plan's statistics were written, as the draft receipt cites them. */
export interface StatsRef {
  readonly key: string;
  readonly sha256: string;
}

/**
 * Computes the statistics of the parts reconstruction has just written (each part read back from
 * the store; a Parquet part is decoded to the same canonical lines a JSONL part holds), in part order. Part bytes are digest-addressed, so the
 * result depends only on the rows: `mergeDatasetStats` of per-part statistics gives the same bytes.
 */
export async function statsOfParts(
  store: ObjectStore,
  parts: readonly DatasetPart[],
  columns: readonly Column[],
  labelTypes: readonly string[],
  options: AbortOptions = {},
): Promise<DatasetStats> {
  const acc = new DatasetStatsAccumulator(columns, labelTypes);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const part of parts) {
    const bytes = await store.get(part.key, options);
    if (bytes === undefined)
      throw new OfsError('INTERNAL_ERROR', { message: `part ${part.key} vanished before its statistics were computed` });
    const format = part.key.endsWith('.parquet') ? 'parquet' : 'jsonl';
    const text = decoder.decode((await partLines(bytes, format, columns, part.key)).lines);
    let from = 0;
    while (from < text.length) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      if (to > from) acc.add(JSON.parse(text.slice(from, to)) as Record<string, unknown>);
      from = to + 1;
    }
  }
  return acc.result();
}

/** Writes a plan's statistics once at `{platform_run_id}/ofs/stats/{plan_id}.json` and returns the reference the draft cites. */
export async function writeDatasetStats(
  store: ObjectStore,
  platformRunId: string,
  planId: string,
  stats: DatasetStats,
  options: AbortOptions = {},
): Promise<StatsRef> {
  const key = datasetStatsKey(platformRunId, planId);
  await writeOnceJson(store, key, stats, options);
  return { key, sha256: sha256Hex(utf8(canonicalJson(stats))) };
}
