import Type, { type Static } from 'typebox';

/** Schema version of the replay completeness receipt. */
export const REPLAY_RECEIPT_SCHEMA_VERSION = 'learning.ofs_replay_receipt.v1';

/**
 * Completeness of a replay (whole basis or one slice), worst first:
 * - `UNSATISFIABLE`: part of the requested range lies outside the union of EB and Archive coverage;
 * - `INCOMPLETE`: coverage holds, but a dense offset was not observed or the sources disagree;
 * - `UNCHECKABLE`: a source could not tell its coverage, or the offset kind is unknown;
 * - `COMPLETE`: every requested offset is accounted for and both sources agree.
 */
export const REPLAY_STATUSES = ['UNSATISFIABLE', 'INCOMPLETE', 'UNCHECKABLE', 'COMPLETE'] as const;

/**
 * How a slice was served, from the sequence of sources in ascending offset order. `NONE` when
 * no record was served at all.
 */
export const REPLAY_MODES = ['EB_ONLY', 'ARCHIVE_ONLY', 'EB_THEN_ARCHIVE', 'ARCHIVE_THEN_EB', 'MIXED', 'NONE'] as const;

const StatusSchema = Type.Union([
  Type.Literal('UNSATISFIABLE'),
  Type.Literal('INCOMPLETE'),
  Type.Literal('UNCHECKABLE'),
  Type.Literal('COMPLETE'),
]);

const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });
const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** An inclusive range of canonical decimal offsets. */
export const OffsetRangeSchema = Type.Object({ start: Decimal, end: Decimal }, { additionalProperties: false });
const Ranges = Type.Array(OffsetRangeSchema);

/** Per-slice (and total) counts of a replay. */
export const ReplayCountsSchema = Type.Object(
  {
    /** Records emitted on the `records` stream. */
    records: Type.Integer({ minimum: 0 }),
    from_eb: Type.Integer({ minimum: 0 }),
    from_archive: Type.Integer({ minimum: 0 }),
    /** Records a source repeated at an offset it had already yielded (dropped). */
    duplicates: Type.Integer({ minimum: 0 }),
    /** Payload-hash disagreements: EB vs Archive, or two copies within one source. */
    mismatches: Type.Integer({ minimum: 0 }),
    /** Records of the right partition outside the range that was read (dropped). */
    dropped_out_of_range: Type.Integer({ minimum: 0 }),
    /** Records of another topic, partition or offset kind (dropped). */
    dropped_foreign: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** The anomaly codes a receipt lists. */
export const REPLAY_ANOMALY_CODES = [
  'REPLAY_BASIS_MISMATCH',
  'REPLAY_DUPLICATE_OFFSET_MISMATCH',
  'REPLAY_BASIS_GAP',
  'REPLAY_BASIS_UNCOVERED',
] as const;

/** One anomaly: where (slice and offset range) and what (code, details). */
export const ReplayAnomalySchema = Type.Object(
  {
    code: Type.Union([
      Type.Literal('REPLAY_BASIS_MISMATCH'),
      Type.Literal('REPLAY_DUPLICATE_OFFSET_MISMATCH'),
      Type.Literal('REPLAY_BASIS_GAP'),
      Type.Literal('REPLAY_BASIS_UNCOVERED'),
    ]),
    topic: Type.String({ minLength: 1 }),
    partition: Type.Integer({ minimum: 0 }),
    offset_kind: Type.String({ minLength: 1 }),
    start: Decimal,
    end: Decimal,
    details: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

/** One slice of the receipt. */
export const ReplaySliceReceiptSchema = Type.Object(
  {
    topic: Type.String({ minLength: 1 }),
    partition: Type.Integer({ minimum: 0 }),
    offset_kind: Type.String({ minLength: 1 }),
    start_offset: Decimal,
    end_offset: Decimal,
    status: StatusSchema,
    mode: Type.Union([
      Type.Literal('EB_ONLY'),
      Type.Literal('ARCHIVE_ONLY'),
      Type.Literal('EB_THEN_ARCHIVE'),
      Type.Literal('ARCHIVE_THEN_EB'),
      Type.Literal('MIXED'),
      Type.Literal('NONE'),
    ]),
    /** For `EB_THEN_ARCHIVE` / `ARCHIVE_THEN_EB`: the last offset served by the first source; else `null`. */
    cutover_offset: Type.Union([Decimal, Type.Null()]),
    /** Declared coverage clipped to the slice; `null` when the source could not tell. */
    eb_coverage: Type.Union([Ranges, Type.Null()]),
    archive_coverage: Type.Union([Ranges, Type.Null()]),
    /** Maximal runs of records served by each source (dense kinds: consecutive offsets). */
    selected: Type.Object({ eb: Ranges, archive: Ranges }, { additionalProperties: false }),
    /** Offsets not served: outside coverage, and for dense kinds also unobserved inside it. */
    missing: Ranges,
    /** Number of offsets in `missing` (decimal string: ranges can be huge). */
    missing_offsets: Decimal,
    /** `true` when `selected` or `missing` was cut at `anomaly_list_limit` ranges (counts stay exact). */
    ranges_truncated: Type.Boolean(),
    counts: ReplayCountsSchema,
  },
  { additionalProperties: false },
);

/**
 * `learning.ofs_replay_receipt.v1`: what a replay served and how complete it was. Written
 * write-once at `{platform_run_id}/ofs/replay/{plan_id}.json` when the record stream is drained;
 * no timestamps, so the same sources give the same bytes.
 */
export const ReplayReceiptSchema = Type.Object(
  {
    schema_version: Type.Literal(REPLAY_RECEIPT_SCHEMA_VERSION),
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    platform_run_id: Type.String({ minLength: 1 }),
    basis_hash: Sha256Hex,
    training_posture: Type.Union([Type.Literal('TRAINING'), Type.Literal('NON_TRAINING')]),
    status: StatusSchema,
    /** `evidence_digest` (ofs.evidence_digest.v1) over every emitted record, in stream order. */
    evidence_digest: Sha256Hex,
    /** In `plan.replay_basis` order. */
    slices: Type.Array(ReplaySliceReceiptSchema),
    totals: ReplayCountsSchema,
    anomalies: Type.Object(
      {
        total: Type.Integer({ minimum: 0 }),
        by_code: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
        /** The first `anomaly_list_limit` anomalies in stream order. */
        list: Type.Array(ReplayAnomalySchema),
        truncated: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: REPLAY_RECEIPT_SCHEMA_VERSION, title: 'ReplayReceipt' },
);

/** A replay receipt (see `ReplayReceiptSchema`). */
export type ReplayReceipt = Static<typeof ReplayReceiptSchema>;
/** One slice of a replay receipt. */
export type ReplaySliceReceipt = Static<typeof ReplaySliceReceiptSchema>;
/** Replay counts. */
export type ReplayCounts = Static<typeof ReplayCountsSchema>;
/** A replay anomaly. */
export type ReplayAnomaly = Static<typeof ReplayAnomalySchema>;
/** A replay anomaly code. */
export type ReplayAnomalyCode = (typeof REPLAY_ANOMALY_CODES)[number];
/** A replay status. */
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];
/** A replay mode. */
export type ReplayMode = (typeof REPLAY_MODES)[number];

/** Object key of a plan's replay receipt. */
export function replayReceiptKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/replay/${planId}.json`;
}
