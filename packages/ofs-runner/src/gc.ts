import { type AbortOptions, type Clock, draftReceiptKey, type ObjectStore, OfsError, type RunRecord, throwIfAborted } from '@ofs/contracts';
import { readJson } from '@ofs/ids';

/** Options of `collectGarbage`. */
export interface GcOptions extends AbortOptions {
  /** Delete the candidates (default `false`: only list them). */
  readonly apply?: boolean;
  /** Only parts at least this old are candidates (default 24 h): a running build's parts are unreferenced until its manifest lands. */
  readonly graceMs?: number;
  /** Plans with a run still in flight (QUEUED, RUNNING, PUBLISH_PENDING): parts their drafts name are kept. */
  readonly activePlanIds?: ReadonlySet<string>;
  /**
   * The DONE runs of the ledger: parts their draft receipts name are never candidates, even when
   * the manifest is missing (it can be re-created from them with `retry-publish`). When a DONE
   * run's draft receipt is missing too, every part of its platform run is kept.
   */
  readonly doneRuns?: readonly Pick<RunRecord, 'run_key' | 'platform_run_id' | 'plan_id' | 'manifest_key'>[];
  readonly clock: Clock;
}

/** What `collectGarbage` found and did. */
export interface GcReport {
  readonly manifests: number;
  readonly parts: number;
  readonly referenced: number;
  /** DONE runs whose manifest is missing from the store (re-create it: `ofs retry-publish <run_key>`). */
  readonly missing_manifests: { run_key: string; manifest_key: string }[];
  /** Platform runs whose parts are all kept because a DONE run's draft receipt is missing. */
  readonly kept_platform_runs: string[];
  /** Unreferenced parts, with whether they were old enough and whether they were deleted. */
  readonly unreferenced: { key: string; bytes: number | null; eligible: boolean; deleted: boolean }[];
}

function partKeysOf(json: unknown): string[] {
  const parts = (json as { parts?: unknown })?.parts;
  if (!Array.isArray(parts)) return [];
  return parts.map((p) => (p as { key?: unknown })?.key).filter((k): k is string => typeof k === 'string');
}

/**
 * Lists dataset parts (`{platform_run_id}/ofs/parts/…`) that no manifest references — parts of
 * builds that crashed or failed before their commit point — and, with `apply`, deletes those older
 * than the grace period. Parts named by a manifest, by the draft of a plan still in flight, or by
 * the draft of a DONE run (even one whose manifest is missing) are never candidates; a DONE run
 * whose draft is missing keeps every part of its platform run. So gc never deletes what a lost
 * manifest can be re-created from.
 */
export async function collectGarbage(store: ObjectStore, options: GcOptions): Promise<GcReport> {
  const graceMs = options.graceMs ?? 24 * 3600_000;
  const referenced = new Set<string>();
  const parts: string[] = [];
  let manifests = 0;
  const signal = options.signal ? { signal: options.signal } : {};
  const missingManifests: GcReport['missing_manifests'] = [];
  const keptRuns = new Set<string>();
  for (const run of options.doneRuns ?? []) {
    throwIfAborted(options.signal);
    if (run.manifest_key !== null && (await store.get(run.manifest_key, signal)) === undefined) {
      missingManifests.push({ run_key: run.run_key, manifest_key: run.manifest_key });
    }
    const draft = run.plan_id === null ? undefined : await readJson(store, draftReceiptKey(run.platform_run_id, run.plan_id), signal);
    if (draft === undefined) keptRuns.add(run.platform_run_id);
    else for (const k of partKeysOf(draft)) referenced.add(k);
  }
  for await (const key of store.list('', signal)) {
    throwIfAborted(options.signal);
    const segments = key.split('/');
    if (segments.length !== 4 || segments[1] !== 'ofs') continue;
    if (segments[2] === 'parts') parts.push(key);
    else if (segments[2] === 'manifests') {
      manifests++;
      for (const k of partKeysOf(await readJson(store, key, signal))) referenced.add(k);
    } else if (segments[2] === 'drafts' && options.activePlanIds?.has(segments[3]!.replace(/\.json$/, ''))) {
      for (const k of partKeysOf(await readJson(store, key, signal))) referenced.add(k);
    }
  }
  const now = options.clock.now();
  const unreferenced: GcReport['unreferenced'] = [];
  for (const key of parts) {
    if (referenced.has(key) || keptRuns.has(key.split('/')[0]!)) continue;
    const stat = store.stat ? await store.stat(key, signal) : undefined;
    const eligible = stat !== undefined && now - stat.modifiedMs >= graceMs;
    let deleted = false;
    if (options.apply && eligible) {
      if (!store.delete) throw new OfsError('STORE_UNAVAILABLE', { message: 'this object store cannot delete objects', retryable: false });
      await store.delete(key, signal);
      deleted = true;
    }
    unreferenced.push({ key, bytes: stat?.size ?? null, eligible, deleted });
  }
  return {
    manifests,
    parts: parts.length,
    referenced: parts.filter((p) => referenced.has(p)).length,
    missing_manifests: missingManifests,
    kept_platform_runs: [...keptRuns].sort(),
    unreferenced,
  };
}
