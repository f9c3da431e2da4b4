import {
  type DatasetManifestV1,
  datasetManifestKey,
  type LabelReceipt,
  type ReplayReceipt,
  type RunEvent,
  type RunRecord,
} from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import type { RunObservations } from './observations.js';

/** `RunObservations` with duplicates removed and every list in a canonical order. */
export interface NormalizedObservations {
  /** By `run_key`. */
  readonly runs: readonly RunRecord[];
  /** Events of `runs` only, by `run_key` then `seq`. */
  readonly events: readonly RunEvent[];
  /** By platform run, then plan id. */
  readonly replayReceipts: readonly ReplayReceipt[];
  readonly labelReceipts: readonly LabelReceipt[];
  /** By platform run, then manifest id. */
  readonly manifests: readonly DatasetManifestV1[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Keeps one value per key: the one whose canonical JSON sorts first (write-once stores never hold two). */
function uniqueBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const chosen = new Map<string, { value: T; text: string }>();
  for (const value of values) {
    const k = key(value);
    const text = canonicalJson(value);
    const current = chosen.get(k);
    if (current === undefined || text < current.text) chosen.set(k, { value, text });
  }
  return [...chosen.entries()].sort((a, b) => byString(a[0], b[0])).map(([, v]) => v.value);
}

/**
 * Removes duplicates and sorts, so every reducer sees the same input whatever order and however
 * many copies it was given: runs by `run_key` (highest `version` wins), events by `run_key`+`seq`
 * (only events of known runs), receipts and manifests by their store identity.
 */
export function normalizeObservations(observations: RunObservations): NormalizedObservations {
  const latest = new Map<string, RunRecord>();
  for (const run of observations.runs) {
    const current = latest.get(run.run_key);
    if (
      current === undefined ||
      run.version > current.version ||
      (run.version === current.version && canonicalJson(run) < canonicalJson(current))
    ) {
      latest.set(run.run_key, run);
    }
  }
  const runs = [...latest.values()].sort((a, b) => byString(a.run_key, b.run_key));
  const events = uniqueBy(
    observations.events.filter((e) => latest.has(e.run_key)),
    (e) => `${e.run_key}\u0000${String(e.seq).padStart(16, '0')}`,
  );
  // Receipts and manifests count only when a run in scope names them.
  const plans = new Set(runs.filter((r) => r.plan_id !== null).map((r) => `${r.platform_run_id}\u0000${r.plan_id}`));
  const manifestKeys = new Set(runs.filter((r) => r.state === 'DONE' && r.manifest_key !== null).map((r) => r.manifest_key));
  const planOf = (r: { platform_run_id: string; plan_id: string }): string => `${r.platform_run_id}\u0000${r.plan_id}`;
  return {
    runs,
    events,
    replayReceipts: uniqueBy(
      (observations.replayReceipts ?? []).filter((r) => plans.has(planOf(r))),
      planOf,
    ),
    labelReceipts: uniqueBy(
      (observations.labelReceipts ?? []).filter((r) => plans.has(planOf(r))),
      planOf,
    ),
    manifests: uniqueBy(
      (observations.manifests ?? []).filter((m) => manifestKeys.has(datasetManifestKey(m.platform_run_id, m.dataset_manifest_id))),
      (m) => `${m.platform_run_id}\u0000${m.dataset_manifest_id}`,
    ),
  };
}
