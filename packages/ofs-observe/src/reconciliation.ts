import {
  type AbortOptions,
  type ArtifactRef,
  type DatasetManifestV1,
  draftReceiptKey,
  governanceFactKey,
  type HealthThresholds,
  type ObjectStore,
  RECONCILIATION_SCHEMA_VERSION,
  type ReconciledRun,
  type Reconciliation,
  type ReconciliationProblem,
  reconciliationKey,
  replayReceiptKey,
  supersessionLinkKey,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { canonicalJson, sha256Hex, utf8, writeOnceBytes } from '@ofs/ids';
import { normalizeObservations } from './dedupe.js';
import { governanceFactsOf } from './governance.js';
import { assessHealth, DEFAULT_HEALTH_THRESHOLDS } from './health.js';
import { reduceMetrics } from './metrics.js';
import { labelReceiptKey, planKey, type RunObservations } from './observations.js';

/** Options of `buildReconciliation`. */
export interface ReconcileOptions extends AbortOptions {
  /** The store holding the runs' artifacts. */
  readonly store: ObjectStore;
  /** The platform run to reconcile; runs of other platform runs are left out. */
  readonly platformRunId: string;
  /** Health thresholds (defaults: `DEFAULT_HEALTH_THRESHOLDS`). */
  readonly thresholds?: Partial<HealthThresholds>;
}

const decoder = new TextDecoder();
const byKey = (a: ArtifactRef, b: ArtifactRef): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Reconciles one platform run: metrics and health over its runs, every run's outcome, and refs
 * (key + sha256 of the stored bytes) to every plan, replay/label/draft receipt, manifest,
 * supersession link and governance fact the ledger says its runs produced. Reads each object by
 * the key the ledger implies (no listing). Problems: a `DONE` run whose manifest is missing
 * (`REF_NOT_FOUND`), a manifest that is not JSON or whose evidence digests disagree with the
 * stored receipts (`ARTIFACT_CORRUPT`). Pure given the ledger and the store: no timestamps.
 */
export async function buildReconciliation(observations: RunObservations, options: ReconcileOptions): Promise<Reconciliation> {
  const { store, platformRunId, signal } = options;
  const opts = signal ? { signal } : {};
  const all = normalizeObservations(observations);
  const runs = all.runs.filter((r) => r.platform_run_id === platformRunId);
  const scoped: RunObservations = { ...all, runs };
  const normalized = normalizeObservations(scoped);
  const thresholds: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds };
  const metrics = reduceMetrics(normalized);
  const health = assessHealth(metrics, thresholds);

  const cache = new Map<string, Uint8Array | undefined>();
  const bytesOf = async (key: string): Promise<Uint8Array | undefined> => {
    if (cache.has(key)) return cache.get(key);
    throwIfAborted(signal);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await store.get(key, opts);
    } catch (error) {
      throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
    }
    cache.set(key, bytes);
    return bytes;
  };
  const refs = {
    plans: [],
    replay_receipts: [],
    label_receipts: [],
    draft_receipts: [],
    manifests: [],
    supersession_links: [],
    governance_facts: [],
  } as Record<keyof Reconciliation['artifacts'], ArtifactRef[]>;
  const seen = new Set<string>();
  const problems: ReconciliationProblem[] = [];
  const add = async (kind: keyof Reconciliation['artifacts'], key: string): Promise<Uint8Array | undefined> => {
    const bytes = await bytesOf(key);
    if (bytes !== undefined && !seen.has(key)) {
      seen.add(key);
      refs[kind].push({ key, sha256: sha256Hex(bytes) });
    }
    return bytes;
  };

  const reconciled: ReconciledRun[] = [];
  const eventsPerRun = new Map<string, number>();
  for (const e of normalized.events) eventsPerRun.set(e.run_key, (eventsPerRun.get(e.run_key) ?? 0) + 1);
  for (const run of runs) {
    reconciled.push({
      run_key: run.run_key,
      request_id: run.request_id,
      intent_kind: run.intent_kind,
      state: run.state,
      plan_id: run.plan_id,
      manifest_key: run.manifest_key,
      status_class: run.status_class,
      error_code: run.last_error?.code ?? null,
      events: eventsPerRun.get(run.run_key) ?? 0,
    });
    if (run.plan_id !== null) {
      await add('plans', planKey(platformRunId, run.plan_id));
      await add('replay_receipts', replayReceiptKey(platformRunId, run.plan_id));
      await add('label_receipts', labelReceiptKey(platformRunId, run.plan_id));
      await add('draft_receipts', draftReceiptKey(platformRunId, run.plan_id));
    }
    for (const f of governanceFactsOf(run)) await add('governance_facts', governanceFactKey(platformRunId, f.fact_id));
    if (run.state !== 'DONE' || run.manifest_key === null) continue;
    const bytes = await add('manifests', run.manifest_key);
    if (bytes === undefined) {
      problems.push({
        code: 'REF_NOT_FOUND',
        run_key: run.run_key,
        key: run.manifest_key,
        message: 'the run is DONE but its manifest is not in the store',
      });
      continue;
    }
    let manifest: DatasetManifestV1;
    try {
      manifest = JSON.parse(decoder.decode(bytes)) as DatasetManifestV1;
    } catch {
      problems.push({ code: 'ARTIFACT_CORRUPT', run_key: run.run_key, key: run.manifest_key, message: 'the manifest is not JSON' });
      continue;
    }
    if (manifest.supersedes !== undefined)
      await add('supersession_links', supersessionLinkKey(platformRunId, manifest.dataset_manifest_id));
    for (const evidence of Object.values(manifest.evidence ?? {})) {
      const stored = await bytesOf(evidence.key);
      if (stored === undefined) {
        problems.push({
          code: 'REF_NOT_FOUND',
          run_key: run.run_key,
          key: evidence.key,
          message: `evidence named by ${run.manifest_key} is missing`,
        });
      } else if (sha256Hex(stored) !== evidence.sha256) {
        problems.push({
          code: 'ARTIFACT_CORRUPT',
          run_key: run.run_key,
          key: evidence.key,
          message: `stored bytes do not match the sha256 in ${run.manifest_key}`,
        });
      }
    }
  }
  for (const list of Object.values(refs)) list.sort(byKey);
  problems.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.run_key < b.run_key ? -1 : a.run_key > b.run_key ? 1 : 0));
  const ledgerLines = runs.map((r) => `${r.run_key}|${r.version}|${r.state}\n`).join('');
  return {
    schema_version: RECONCILIATION_SCHEMA_VERSION,
    platform_run_id: platformRunId,
    ledger: { runs: runs.length, events: normalized.events.length, digest: sha256Hex(ledgerLines) },
    metrics,
    thresholds,
    health,
    runs: reconciled,
    artifacts: refs,
    problems,
  };
}

/** Where and how a reconciliation was written. */
export interface WrittenReconciliation {
  readonly key: string;
  readonly sha256: string;
  /** `created`, or `identical` when the same state was already reconciled. */
  readonly outcome: 'created' | 'identical';
}

/**
 * Writes a reconciliation write-once at `{platform_run_id}/ofs/reconciliation/{events:012}-{digest32}.json`
 * (canonical JSON). The same ledger and store state gives the same key and bytes, so writing
 * again is `identical`; keys of one platform run sort by how many ledger events they cover.
 */
export async function writeReconciliation(
  reconciliation: Reconciliation,
  store: ObjectStore,
  options?: AbortOptions,
): Promise<WrittenReconciliation> {
  const bytes = utf8(canonicalJson(reconciliation));
  const sha256 = sha256Hex(bytes);
  const key = reconciliationKey(reconciliation.platform_run_id, reconciliation.ledger.events, sha256);
  const outcome = await writeOnceBytes(store, key, bytes, options);
  return { key, sha256, outcome };
}
