import type { LabelAssertion, LabelSubjectKey } from '../records/labels.js';
import type { AbortOptions } from './common.js';

/**
 * The label store timeline. The corridor reads it only by batch and never writes it;
 * `append` exists for seeding demos and tests.
 */
export interface LabelStore {
  /** Every assertion of `labelTypes` on the given subjects (any order). One round trip per call. */
  timelines(subjects: readonly LabelSubjectKey[], labelTypes: readonly string[], options?: AbortOptions): AsyncIterable<LabelAssertion>;
  /** An opaque marker of what the store held (e.g. count + max commit sequence), recorded in receipts. */
  stateMarker(options?: AbortOptions): Promise<string>;
  /** Appends assertions (idempotent by `assertion_id`). */
  append(assertions: readonly LabelAssertion[], options?: AbortOptions): Promise<void>;
}
