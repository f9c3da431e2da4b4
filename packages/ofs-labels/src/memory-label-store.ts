import {
  type AbortOptions,
  type AppendableLabelStore,
  assertLabelAssertions,
  type Instant,
  type LabelAssertion,
  type LabelAssertionInput,
  type LabelStateMarkerOptions,
  type LabelSubjectKey,
  OfsError,
  parseInstant,
  sameLabelAssertion,
  throwIfAborted,
} from '@ofs/contracts';
import { toLabelAssertions } from './reference-assertion.js';
import { registerMemoryLabelIndex, StoredLabel, type StoredTimeline } from './stored-label.js';

/**
 * The answer of `timelines`: the batch's assertions as an array that is also async-iterable (the
 * port's shape). The resolver reads such a batch synchronously, which keeps one await per batch
 * instead of one per assertion (see bench/results/labels.md). A failure surfaces on iteration.
 */
function servedBatch(matches: LabelAssertion[], failure: unknown): AsyncIterable<LabelAssertion> {
  if (failure !== undefined) {
    return {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(failure) }),
    };
  }
  const batch = matches as LabelAssertion[] & AsyncIterable<LabelAssertion>;
  batch[Symbol.asyncIterator] = () => {
    let i = 0;
    return {
      next: () => Promise.resolve(i < batch.length ? { value: batch[i++]!, done: false } : { value: undefined, done: true as const }),
    };
  };
  return batch;
}

/**
 * An in-memory `LabelStore`, for tests, demos and embedding. Assertions are validated on append
 * (RFC 3339 timestamps with a zone) and kept as appended, provenance included; reference Label
 * Store assertions are accepted as they are (`fromReferenceLabelAssertion`); `timelines` serves a whole batch from
 * an index by `(platform_run_id, event_id)`.
 */
export function createMemoryLabelStore(): AppendableLabelStore {
  const byId = new Map<string, StoredLabel>();
  const byRun = new Map<string, StoredLabel[]>();
  /** platform_run_id → event_id → the subject's assertions (append order). */
  const bySubject = new Map<string, Map<string, StoredTimeline>>();
  /** label_type → its number, for the resolver's fast path (see `MemoryLabelIndex`). */
  const typeIds = new Map<string, number>();
  /** Scoped state markers, valid until the next append. */
  const markers = new Map<string, string>();
  let call = 0;

  function conflictError(assertion: LabelAssertion, existing: LabelAssertion): OfsError {
    return new OfsError('LABEL_ASSERTION_CONFLICT', {
      message: `assertion ${assertion.assertion_id} already exists with other content`,
      details: { assertion_id: assertion.assertion_id, existing: { ...existing }, appended: { ...assertion } },
    });
  }

  const store: AppendableLabelStore = {
    timelines(subjects: readonly LabelSubjectKey[], labelTypes: readonly string[], options?: AbortOptions) {
      const matches: LabelAssertion[] = [];
      let failure: unknown;
      try {
        throwIfAborted(options?.signal);
        const types = new Set(labelTypes);
        const mark = ++call;
        // Batches usually hold one run: look its index up once per run change, not per subject.
        let runId: string | undefined;
        let events: Map<string, StoredTimeline> | undefined;
        for (const subject of subjects) {
          if (subject.platform_run_id !== runId) {
            runId = subject.platform_run_id;
            events = bySubject.get(runId);
          }
          const timeline = events?.get(subject.event_id);
          // A subject requested twice in one call is served once.
          if (timeline === undefined || timeline.servedIn === mark) continue;
          timeline.servedIn = mark;
          for (const r of timeline.records) if (types.has(r.assertion.label_type)) matches.push(r.assertion);
        }
      } catch (error) {
        failure = error;
      }
      return servedBatch(matches, failure);
    },

    async stateMarker(options?: LabelStateMarkerOptions) {
      throwIfAborted(options?.signal);
      let cutoff: Instant | undefined;
      if (options?.observed_at_or_before !== undefined) {
        cutoff = parseInstant(options.observed_at_or_before);
        if (cutoff === undefined) {
          throw new OfsError('LABEL_TIMESTAMP_INVALID', {
            message: `observed_at_or_before is not an RFC 3339 instant with a zone: ${options.observed_at_or_before}`,
          });
        }
      }
      const runId = options?.platform_run_id;
      const cacheKey = `${runId === undefined ? '*' : `=${runId}`}|${cutoff === undefined ? '*' : `${cutoff.epochMs}.${cutoff.subMsNanos}`}`;
      const cached = markers.get(cacheKey);
      if (cached !== undefined) return cached;
      const scope = runId === undefined ? [...byRun.values()] : [byRun.get(runId) ?? []];
      // Count plus an order-independent 128-bit multiset hash of the ids in scope: no sort, so a
      // build's finish() stays cheap. The store is append-only, so within one store the count alone
      // already changes whenever the scoped set does.
      let count = 0;
      const sum = [0, 0, 0, 0];
      for (const entries of scope) {
        for (const e of entries) {
          if (
            cutoff !== undefined &&
            !(e.observedMs < cutoff.epochMs || (e.observedMs === cutoff.epochMs && e.observedNs <= cutoff.subMsNanos))
          ) {
            continue;
          }
          count++;
          for (let k = 0; k < 4; k++) sum[k] = (sum[k]! + e.lanes[k]!) % 0x1_0000_0000;
        }
      }
      const marker = `memory:v1:${count}:${sum.map((x) => x.toString(16).padStart(8, '0')).join('')}`;
      markers.set(cacheKey, marker);
      return marker;
    },

    async append(inputs: readonly LabelAssertionInput[], options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const assertions = assertLabelAssertions(toLabelAssertions(inputs));
      // Check everything first, so a refused call appends nothing.
      const fresh = new Map<string, LabelAssertion>();
      for (const a of assertions) {
        const existing = byId.get(a.assertion_id)?.assertion ?? fresh.get(a.assertion_id);
        if (existing !== undefined) {
          if (!sameLabelAssertion(existing, a)) throw conflictError(a, existing);
          continue;
        }
        fresh.set(a.assertion_id, a);
      }
      if (fresh.size > 0) markers.clear();
      for (const a of fresh.values()) {
        let typeId = typeIds.get(a.label_type);
        if (typeId === undefined) typeIds.set(a.label_type, (typeId = typeIds.size));
        const stored = new StoredLabel(a, typeId);
        byId.set(a.assertion_id, stored);
        const runList = byRun.get(a.platform_run_id);
        if (runList === undefined) byRun.set(a.platform_run_id, [stored]);
        else runList.push(stored);
        let events = bySubject.get(a.platform_run_id);
        if (events === undefined) bySubject.set(a.platform_run_id, (events = new Map()));
        const timeline = events.get(a.event_id);
        if (timeline === undefined) events.set(a.event_id, { records: [stored], servedIn: 0 });
        else timeline.records.push(stored);
      }
    },
  };
  registerMemoryLabelIndex(store, { bySubject, typeIds });
  return store;
}
