// The worked examples of docs/adapters.md, run through the contract suites so the guide cannot rot.
import {
  type AbortOptions,
  assertLabelAssertions,
  assertObjectKey,
  assertObjectKeyPrefix,
  compareInstants,
  type LabelAssertion,
  type LabelStore,
  type ObjectStore,
  parseInstant,
  throwIfAborted,
} from '@ofs/contracts';
import { describeLabelStoreReadContract, describeObjectStoreContract } from '@ofs/contracts/testing';

// ── docs/adapters.md § ObjectStore: a Map-backed store that passes the suite ──────────────
function createMapObjectStore(): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  return {
    async get(key: string, options?: AbortOptions) {
      throwIfAborted(options?.signal); // trap 3: honour an aborted signal
      assertObjectKey(key); // trap 2: refuse hostile keys with REF_INVALID
      const bytes = objects.get(key);
      return bytes === undefined ? undefined : bytes.slice(); // trap 1: never hand out the stored buffer
    },
    async putIfAbsent(key: string, bytes: Uint8Array, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      assertObjectKey(key);
      const existing = objects.get(key);
      if (existing !== undefined) return { created: false, existing: existing.slice() };
      objects.set(key, bytes.slice()); // trap 1: never keep the caller's buffer
      return { created: true };
    },
    async *list(prefix: string, options?: { after?: string; limit?: number; signal?: AbortSignal }) {
      throwIfAborted(options?.signal);
      if (prefix !== '') assertObjectKeyPrefix(prefix);
      // Ascending byte order = code-unit order for the ASCII keys assertObjectKey admits.
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && (options?.after === undefined || k > options.after)).sort();
      yield* options?.limit === undefined ? keys : keys.slice(0, options.limit);
    },
  };
}

describeObjectStoreContract('adapter guide: Map-backed', async () => createMapObjectStore());

// ── docs/adapters.md § LabelStore: a read-only snapshot store ────────────────────────────
function createSnapshotLabelStore(snapshot: readonly unknown[]): LabelStore {
  const assertions = assertLabelAssertions(snapshot); // validated once, at load
  const bySubject = new Map<string, LabelAssertion[]>();
  for (const a of assertions) {
    const k = `${a.platform_run_id}\u0000${a.event_id}`;
    bySubject.set(k, [...(bySubject.get(k) ?? []), a]);
  }
  return {
    async *timelines(subjects, labelTypes, options) {
      throwIfAborted(options?.signal);
      const types = new Set(labelTypes);
      const seen = new Set<string>(); // a subject requested twice is served once
      for (const s of subjects) {
        const k = `${s.platform_run_id}\u0000${s.event_id}`;
        if (seen.has(k)) continue;
        seen.add(k);
        for (const a of bySubject.get(k) ?? []) if (types.has(a.label_type)) yield a;
      }
    },
    async stateMarker(options) {
      throwIfAborted(options?.signal);
      const cutoff = options?.observed_at_or_before === undefined ? undefined : parseInstant(options.observed_at_or_before);
      const ids = assertions
        .filter((a) => options?.platform_run_id === undefined || a.platform_run_id === options.platform_run_id)
        // trap: compare instants, never strings ('…T13:59:59+02:00' is before '…T12:00:00Z')
        .filter((a) => cutoff === undefined || compareInstants(parseInstant(a.observed_time)!, cutoff) <= 0)
        .map((a) => a.assertion_id)
        .sort();
      return JSON.stringify(ids);
    },
  };
}

describeLabelStoreReadContract('adapter guide: read-only snapshot', async (seed) => createSnapshotLabelStore(seed));
