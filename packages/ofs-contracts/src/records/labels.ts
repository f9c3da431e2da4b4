import Type, { type Static } from 'typebox';

/**
 * One label assertion on a subject `(platform_run_id, event_id)`: a value of a label type,
 * effective from `effective_time`, known to the label store from `observed_time`.
 * Timestamps are RFC 3339 instants with a zone and are compared as instants.
 */
export const LabelAssertionSchema = Type.Object(
  {
    platform_run_id: Type.String({ minLength: 1 }),
    event_id: Type.String({ minLength: 1 }),
    label_type: Type.String({ minLength: 1 }),
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
    effective_time: Type.String({ minLength: 1 }),
    observed_time: Type.String({ minLength: 1 }),
    assertion_id: Type.String({ minLength: 1 }),
    committed_at: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, $id: 'learning.ofs_label_assertion.v1', title: 'LabelAssertion' },
);

/** A label assertion (see `LabelAssertionSchema`). */
export type LabelAssertion = Static<typeof LabelAssertionSchema>;

/** The subject of labels: one event of one platform run. */
export interface LabelSubjectKey {
  readonly platform_run_id: string;
  readonly event_id: string;
}

/** A subject fed to the label resolver: the key plus the event time (for maturity). */
export interface LabelSubject {
  readonly event_id: string;
  /** The event's `ts_utc`. */
  readonly ts_utc: string;
}

/** Resolution status of one label type for one subject. */
export type LabelStatus = 'LABELLED' | 'CONFLICT' | 'UNLABELLED';

/** The label of one type for one subject, as of the cutoff. */
export interface ResolvedLabel {
  readonly status: LabelStatus;
  /** The winning value (`null` when UNLABELLED or CONFLICT). */
  readonly value: string | number | boolean | null;
  /** The winning assertion (`null` when UNLABELLED or CONFLICT). */
  readonly assertion_id: string | null;
}

/** Labels for one subject, ready to join into its row. */
export interface SubjectLabels {
  readonly event_id: string;
  /** `false` when `ts_utc > label_asof − maturity_days`: excluded from training rows and counted. */
  readonly mature: boolean;
  /** One entry per policy label type. */
  readonly labels: Readonly<Record<string, ResolvedLabel>>;
}

/**
 * What reconstruction needs from label resolution, so `@ofs/publish` does not import
 * `@ofs/labels`: one call per batch of final rows, then the receipt.
 */
export interface LabelBatchResolver<Receipt = unknown> {
  /** Labels for each subject, in input order. One store call per batch. */
  resolveBatch(subjects: readonly LabelSubject[], options?: { signal?: AbortSignal }): Promise<SubjectLabels[]>;
  /** Finishes resolution, writes and returns the label receipt. */
  finish(options?: { signal?: AbortSignal }): Promise<Receipt>;
}
