import {
  type AbortOptions,
  assertLabelAssertions,
  instantSortKey,
  type LabelAssertion,
  type LabelStateMarkerOptions,
  type LabelStore,
  type LabelSubjectKey,
  OfsError,
  sameLabelAssertion,
  throwIfAborted,
} from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';

interface Stored {
  readonly assertion: LabelAssertion;
  /** `instantSortKey(observed_time)`, for scoped state markers. */
  readonly observedKey: string;
}

/**
 * An in-memory `LabelStore`, for tests, demos and embedding. Assertions are validated on append
 * (RFC 3339 timestamps with a zone) and kept as appended; `timelines` serves a whole batch from
 * an index by `(platform_run_id, event_id)`.
 */
export function createMemoryLabelStore(): LabelStore {
  const byId = new Map<string, Stored>();
  /** platform_run_id → event_id → assertions (append order). */
  const bySubject = new Map<string, Map<string, LabelAssertion[]>>();

  function conflictError(assertion: LabelAssertion, existing: LabelAssertion): OfsError {
    return new OfsError('LABEL_ASSERTION_CONFLICT', {
      message: `assertion ${assertion.assertion_id} already exists with other content`,
      details: { assertion_id: assertion.assertion_id, existing: { ...existing }, appended: { ...assertion } },
    });
  }

  return {
    async *timelines(subjects: readonly LabelSubjectKey[], labelTypes: readonly string[], options?: AbortOptions) {
      throwIfAborted(options?.signal);
      if (subjects.length === 0 || labelTypes.length === 0) return;
      const types = new Set(labelTypes);
      const seen = new Set<string>();
      const matches: LabelAssertion[] = [];
      for (const subject of subjects) {
        const list = bySubject.get(subject.platform_run_id)?.get(subject.event_id);
        if (list === undefined) continue;
        if (subjects.length > 1) {
          const k = `${subject.platform_run_id.length}:${subject.platform_run_id}${subject.event_id}`;
          if (seen.has(k)) continue;
          seen.add(k);
        }
        for (const a of list) if (types.has(a.label_type)) matches.push(a);
      }
      yield* matches;
    },

    async stateMarker(options?: LabelStateMarkerOptions) {
      throwIfAborted(options?.signal);
      let cutoff: string | undefined;
      if (options?.observed_at_or_before !== undefined) {
        cutoff = instantSortKey(options.observed_at_or_before);
        if (cutoff === undefined) {
          throw new OfsError('LABEL_TIMESTAMP_INVALID', {
            message: `observed_at_or_before is not an RFC 3339 instant with a zone: ${options.observed_at_or_before}`,
          });
        }
      }
      const ids: string[] = [];
      for (const { assertion, observedKey } of byId.values()) {
        if (options?.platform_run_id !== undefined && assertion.platform_run_id !== options.platform_run_id) continue;
        if (cutoff !== undefined && observedKey > cutoff) continue;
        ids.push(assertion.assertion_id);
      }
      ids.sort();
      return `memory:v1:${ids.length}:${sha256Hex(ids.join('\n'))}`;
    },

    async append(assertions: readonly LabelAssertion[], options?: AbortOptions) {
      throwIfAborted(options?.signal);
      assertLabelAssertions(assertions);
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
      for (const a of fresh.values()) {
        const copy: LabelAssertion = { ...a };
        byId.set(a.assertion_id, { assertion: copy, observedKey: instantSortKey(a.observed_time)! });
        let events = bySubject.get(a.platform_run_id);
        if (events === undefined) bySubject.set(a.platform_run_id, (events = new Map()));
        const list = events.get(a.event_id);
        if (list === undefined) events.set(a.event_id, [copy]);
        else list.push(copy);
      }
    },
  };
}
