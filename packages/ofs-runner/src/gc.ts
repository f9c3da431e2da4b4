import { type AbortOptions, type Clock, type ObjectStore, OfsError, throwIfAborted } from '@ofs/contracts';
import { readJson } from '@ofs/ids';

/** Options of `collectGarbage`. */
export interface GcOptions extends AbortOptions {
  /** Delete the candidates (default `false`: only list them). */
  readonly apply?: boolean;
  /** Only parts at least this old are candidates (default 24 h): a running build's parts are unreferenced until its manifest lands. */
  readonly graceMs?: number;
  /** Plans with a run still in flight (QUEUED, RUNNING, PUBLISH_PENDING): parts their drafts name are kept. */
  readonly activePlanIds?: ReadonlySet<string>;
  readonly clock: Clock;
}

/** What `collectGarbage` found and did. */
export interface GcReport {
  readonly manifests: number;
  readonly parts: number;
  readonly referenced: number;
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
 * than the grace period. Parts named by a manifest, or by the draft of a plan still in flight, are
 * never candidates.
 */
export async function collectGarbage(store: ObjectStore, options: GcOptions): Promise<GcReport> {
  const graceMs = options.graceMs ?? 24 * 3600_000;
  const referenced = new Set<string>();
  const parts: string[] = [];
  let manifests = 0;
  const signal = options.signal ? { signal: options.signal } : {};
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
    if (referenced.has(key)) continue;
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
  return { manifests, parts: parts.length, referenced: parts.filter((p) => referenced.has(p)).length, unreferenced };
}
