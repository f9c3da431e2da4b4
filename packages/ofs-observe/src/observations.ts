import {
  type AbortOptions,
  type DatasetManifestV1,
  type LabelReceipt,
  type LedgerStore,
  type ObjectStore,
  type ReplayReceipt,
  type RunEvent,
  type RunRecord,
  isObjectKey,
  isOfsError,
  replayReceiptKey,
  throwIfAborted,
} from '@ofs/contracts';
import { readJson } from '@ofs/ids';

/**
 * Everything observability reduces: ledger runs and their events plus the stored receipts and
 * manifests those runs produced. Order does not matter anywhere; duplicates are removed by key
 * (runs by `run_key`, keeping the highest `version`; events by `run_key` + `seq`; receipts by
 * platform run + plan; manifests by platform run + manifest id).
 */
export interface RunObservations {
  readonly runs: readonly RunRecord[];
  /** Events of the runs; events of runs not in `runs` are ignored. */
  readonly events: readonly RunEvent[];
  readonly replayReceipts?: readonly ReplayReceipt[];
  readonly labelReceipts?: readonly LabelReceipt[];
  readonly manifests?: readonly DatasetManifestV1[];
}

/** The part of `LedgerStore` observability reads. */
export type LedgerReader = Pick<LedgerStore, 'list' | 'events'>;

/** Options of `collectObservations`. */
export interface CollectOptions extends AbortOptions {
  /** The ledger to read runs and events from. */
  readonly ledger: LedgerReader;
  /** The object store holding the runs' receipts and manifests. */
  readonly store: ObjectStore;
  /** Only runs of this platform run (default: every run of the ledger). */
  readonly platformRunId?: string;
  /** Runs per `ledger.list` page (default 500). */
  readonly pageSize?: number;
}

/** Object key of a plan's label receipt (DESIGN §9). */
export function labelReceiptKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/labels/${planId}.json`;
}

/** Object key of a plan's stored plan (DESIGN §9). */
export function planKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/plans/${planId}.json`;
}

/**
 * Reads the runs (paged by run key), their events, and the replay receipts, label receipts and
 * manifests they name (by `plan_id` and `manifest_key`; nothing is discovered by listing). Objects
 * that are absent are skipped — `buildReconciliation` reports them as problems.
 */
export async function collectObservations(options: CollectOptions): Promise<RunObservations> {
  const { ledger, store, platformRunId, signal } = options;
  const pageSize = options.pageSize ?? 500;
  const runs: RunRecord[] = [];
  let after: string | undefined;
  for (;;) {
    throwIfAborted(signal);
    const page = await ledger.list(
      {
        ...(platformRunId === undefined ? {} : { platform_run_id: platformRunId }),
        ...(after === undefined ? {} : { after }),
        limit: pageSize,
      },
      { ...(signal ? { signal } : {}) },
    );
    runs.push(...page);
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.run_key;
  }
  const events: RunEvent[] = [];
  for (const run of runs) {
    throwIfAborted(signal);
    events.push(...(await ledger.events(run.run_key, { ...(signal ? { signal } : {}) })));
  }
  const replayReceipts: ReplayReceipt[] = [];
  const labelReceipts: LabelReceipt[] = [];
  const manifests: DatasetManifestV1[] = [];
  const seen = new Set<string>();
  const read = async <T>(key: string, into: T[]): Promise<void> => {
    if (seen.has(key) || !isObjectKey(key)) return;
    seen.add(key);
    throwIfAborted(signal);
    let value: unknown;
    try {
      value = await readJson(store, key, { ...(signal ? { signal } : {}) });
    } catch (error) {
      if (isOfsError(error, 'ARTIFACT_CORRUPT')) return; // reported by the reconciliation
      throw error;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) into.push(value as T);
  };
  for (const run of runs) {
    if (run.plan_id !== null) {
      await read(replayReceiptKey(run.platform_run_id, run.plan_id), replayReceipts);
      await read(labelReceiptKey(run.platform_run_id, run.plan_id), labelReceipts);
    }
    if (run.manifest_key !== null) await read(run.manifest_key, manifests);
  }
  return { runs, events, replayReceipts, labelReceipts, manifests };
}
