import type { LabelAssertion, LabelSubjectKey } from '../records/labels.js';
import type { AbortOptions } from './common.js';

/**
 * Narrows `LabelStore.stateMarker` to what one build can see: the assertions of one platform run
 * observed at or before a cutoff. Assertions that arrive later with a later `observed_time` do
 * not change such a marker, so a retried build converges on the same receipt; a back-dated
 * assertion (observed before the cutoff, appended after the build) does change it.
 */
export interface LabelStateMarkerOptions extends AbortOptions {
  /** Only assertions of this platform run. */
  platform_run_id?: string;
  /** Only assertions with `observed_time <= observed_at_or_before` (compared as instants). */
  observed_at_or_before?: string;
}

/**
 * The label store timeline. The corridor reads it only by batch and never writes it;
 * `append` exists for seeding demos and tests.
 */
export interface LabelStore {
  /** Every assertion of `labelTypes` on the given subjects (any order). One round trip per call. */
  timelines(subjects: readonly LabelSubjectKey[], labelTypes: readonly string[], options?: AbortOptions): AsyncIterable<LabelAssertion>;
  /**
   * An opaque marker of what the store held (e.g. count + digest of assertion ids), recorded in
   * receipts. Equal content gives an equal marker; with scope options only the scoped assertions count.
   */
  stateMarker(options?: LabelStateMarkerOptions): Promise<string>;
  /**
   * Appends assertions, idempotent by `assertion_id`. Validates first (`LABEL_ASSERTION_INVALID`,
   * `LABEL_TIMESTAMP_INVALID`); an `assertion_id` appended again with other content is
   * `LABEL_ASSERTION_CONFLICT`. Either every assertion is appended or none.
   */
  append(assertions: readonly LabelAssertion[], options?: AbortOptions): Promise<void>;
}
