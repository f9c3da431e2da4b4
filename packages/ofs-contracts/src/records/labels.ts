import Type, { type Static } from 'typebox';

/** One evidence reference of a label assertion (reference Label Store shape). */
export const LabelEvidenceRefSchema = Type.Object(
  {
    ref_type: Type.String({ minLength: 1 }),
    ref_id: Type.String({ minLength: 1 }),
    ref_scope: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * Where an assertion came from, as the reference Label Store records it (ref-spec-3 §1.1): kept by
 * the stores and returned by `timelines`, never used to resolve. `payload_hash` is the reference's
 * `ls.label_assertion_payload_hash.v1`; `pins` and `label_payload` are kept as given.
 */
export const LabelProvenanceSchema = Type.Object(
  {
    source_type: Type.String({ minLength: 1 }),
    actor_id: Type.Optional(Type.String({ minLength: 1 })),
    evidence_refs: Type.Array(LabelEvidenceRefSchema),
    case_timeline_event_id: Type.Optional(Type.String({ minLength: 1 })),
    pins: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    payload_hash: Type.Optional(Type.String({ minLength: 1 })),
    label_payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** Provenance of a label assertion (see `LabelProvenanceSchema`). */
export type LabelProvenance = Static<typeof LabelProvenanceSchema>;

/**
 * One label assertion on a subject `(platform_run_id, event_id)`: a value of a label type,
 * effective from `effective_time`, known to the label store from `observed_time`.
 * Timestamps are RFC 3339 instants with a zone and are compared as instants.
 * `provenance` (optional) carries the reference Label Store's source type, actor and evidence.
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
    provenance: Type.Optional(LabelProvenanceSchema),
  },
  { additionalProperties: false, $id: 'learning.ofs_label_assertion.v1', title: 'LabelAssertion' },
);

/** A label assertion (see `LabelAssertionSchema`). */
export type LabelAssertion = Static<typeof LabelAssertionSchema>;

/**
 * A label assertion exactly as the reference Label Store writes it (ref-spec-3 §1.1).
 * `label_assertion_id` and `payload_hash` are derived when absent and checked when present.
 */
export interface ReferenceLabelAssertion {
  readonly label_assertion_id?: string | undefined;
  readonly case_timeline_event_id: string;
  readonly label_subject_key: LabelSubjectKey;
  readonly pins: Readonly<Record<string, unknown>>;
  readonly label_type: string;
  readonly label_value: string;
  readonly effective_time: string;
  readonly observed_time: string;
  readonly source_type: string;
  readonly actor_id?: string | null | undefined;
  readonly evidence_refs: readonly { readonly ref_type: string; readonly ref_id: string; readonly ref_scope?: string | null | undefined }[];
  readonly payload_hash?: string | undefined;
  readonly label_payload?: Readonly<Record<string, unknown>> | undefined;
}

/** What label stores' `append` accepts: our assertion shape or the reference Label Store's. */
export type LabelAssertionInput = LabelAssertion | ReferenceLabelAssertion;

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
  /**
   * The event's topic and partition, when the caller knows them (reconstruction always does):
   * the resolved digest is then kept per partition and combined in basis order
   * (`ofs.labels.resolved_digest.v2`), so it does not depend on how shards interleave batches.
   */
  readonly topic?: string;
  /** The event's partition (with `topic`). */
  readonly partition?: number;
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
  /**
   * `LABELLED` only: the label delay of the winning assertion, `observed_time − effective_time` in
   * milliseconds (a fraction for the sub-millisecond part; negative when it was observed before it
   * took effect). Optional: resolvers may omit it. Never part of the resolved digest (recipe
   * `ofs.labels.resolved_digest.v1` covers status, value and assertion id only); build statistics
   * tally it into fixed bins (`label_delays`, D114).
   */
  readonly delay_ms?: number;
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
