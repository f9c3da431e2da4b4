import { OfsError } from '../errors.js';
import type { LabelAssertion, LabelAssertionInput, LabelSubjectKey } from '../records/labels.js';
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
 * Seeding and bulk import of a label store: an optional capability, separate from reading (D82).
 * The corridor never calls it; demos, tests and import tools do.
 */
export interface LabelAppender {
  /**
   * Appends assertions, idempotent by `assertion_id`. Validates first (`LABEL_ASSERTION_INVALID`,
   * `LABEL_TIMESTAMP_INVALID`); an `assertion_id` appended again with other content is
   * `LABEL_ASSERTION_CONFLICT`. Either every assertion is appended or none.
   * Reference Label Store assertions (`ReferenceLabelAssertion`) are accepted as they are: their
   * `label_assertion_id` and `payload_hash` are derived when absent and checked when present
   * (`LABEL_ASSERTION_ID_MISMATCH`), their source type, actor and evidence kept as `provenance`.
   */
  append(assertions: readonly LabelAssertionInput[], options?: AbortOptions): Promise<void>;
}

/**
 * The label store timeline, as the corridor reads it: by batch, never writing. A read-only
 * production store implements `timelines` and `stateMarker` only and passes
 * `describeLabelStoreReadContract`; a store that can also be seeded implements `append`
 * (`AppendableLabelStore`) and passes `describeLabelStoreContract`.
 */
export interface LabelStore {
  /** Every assertion of `labelTypes` on the given subjects (any order). One round trip per call. */
  timelines(subjects: readonly LabelSubjectKey[], labelTypes: readonly string[], options?: AbortOptions): AsyncIterable<LabelAssertion>;
  /**
   * An opaque marker of what the store held (e.g. count + digest of assertion ids), recorded in
   * receipts. Equal content gives an equal marker; with scope options only the scoped assertions count.
   */
  stateMarker(options?: LabelStateMarkerOptions): Promise<string>;
  /** Present on stores that can be seeded (see `LabelAppender`); absent on read-only stores. */
  append?(assertions: readonly LabelAssertionInput[], options?: AbortOptions): Promise<void>;
}

/** A label store that can also be seeded: reading plus the `LabelAppender` capability. */
export type AppendableLabelStore = LabelStore & LabelAppender;

/** `true` when `store` offers `append` (narrows it to `AppendableLabelStore`). */
export function canAppendLabels(store: LabelStore): store is AppendableLabelStore {
  return typeof store.append === 'function';
}

/**
 * The store's `append`, bound, or `LABEL_STORE_READ_ONLY` when it has none. For seeding code that
 * accepts any `LabelStore` (e.g. the demo) and must say clearly why a read-only store cannot be seeded.
 */
export function labelAppenderOf(store: LabelStore): LabelAppender {
  if (!canAppendLabels(store)) {
    throw new OfsError('LABEL_STORE_READ_ONLY', {
      message: 'this label store is read-only (it has no append); seed it with its own import',
    });
  }
  return { append: (assertions, options) => store.append(assertions, options) };
}
