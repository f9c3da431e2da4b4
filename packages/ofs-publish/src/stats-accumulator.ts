import { type AbortOptions, type Column, type DatasetPart, datasetStatsKey, type ObjectStore, OfsError } from '@ofs/contracts';
import { canonicalJson, sha256Hex, utf8, writeOnceJson } from '@ofs/ids';
import { type DatasetStats, DatasetStatsAccumulator, type DatasetStatsOptions, type LabelDelays } from './dataset-stats.js';
import { partLines } from './part-rows.js';

/** Where a plan's statistics were written, as the draft receipt cites them. */
export interface StatsRef {
  readonly key: string;
  readonly sha256: string;
}

/** Options of `statsOfParts`. */
export interface StatsOfPartsOptions extends AbortOptions {
  /** The feature profile's statistics markers (column name → `categorical` | `sensitive`, D115). */
  readonly markers?: DatasetStatsOptions['markers'];
  /** The label delay distribution reconstruction tallied while joining labels (D114): stored as `label_delays`. */
  readonly labelDelays?: LabelDelays;
}

/**
 * Computes the statistics of the parts reconstruction has just written (each part read back from
 * the store; a Parquet part is decoded to the same canonical lines a JSONL part holds), in part
 * order. Part bytes are digest-addressed, so the result depends only on the rows:
 * `mergeDatasetStats` of per-part statistics gives the same bytes. The label delays are not in
 * the rows; `options.labelDelays` (tallied during the label join) is stored as they are.
 */
export async function statsOfParts(
  store: ObjectStore,
  parts: readonly DatasetPart[],
  columns: readonly Column[],
  labelTypes: readonly string[],
  options: StatsOfPartsOptions = {},
): Promise<DatasetStats> {
  const acc = new DatasetStatsAccumulator(columns, labelTypes, options.markers ? { markers: options.markers } : {});
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const part of parts) {
    const bytes = await store.get(part.key, options.signal ? { signal: options.signal } : {});
    if (bytes === undefined)
      throw new OfsError('INTERNAL_ERROR', { message: `part ${part.key} vanished before its statistics were computed` });
    const format = part.key.endsWith('.parquet') ? 'parquet' : 'jsonl';
    addRowLines(acc, decoder.decode((await partLines(bytes, format, columns, part.key)).lines));
  }
  const stats = acc.result();
  if (options.labelDelays) stats.label_delays = options.labelDelays;
  return stats;
}

/** Adds every row of canonical JSONL `text` (one JSON object per line) to `acc`. */
export function addRowLines(acc: DatasetStatsAccumulator, text: string): void {
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    if (to > from) acc.add(JSON.parse(text.slice(from, to)) as Record<string, unknown>);
    from = to + 1;
  }
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
