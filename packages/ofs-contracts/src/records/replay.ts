import Type, { type Static } from 'typebox';

/** Offset kinds the corridor knows. Dense kinds must have every offset observed; sparse kinds may have gaps. */
export const OFFSET_KINDS = {
  kafka_offset: 'dense',
  kinesis_sequence: 'sparse',
  /** NATS JetStream stream sequence: one sequence per stream, so sparse per subject (partition). */
  jetstream_sequence: 'sparse',
} as const;

/** A known offset kind. */
export type OffsetKind = keyof typeof OFFSET_KINDS;

/**
 * One replayed event as a source returns it. `offset` is a canonical decimal string (BigInt-safe:
 * Kinesis sequence numbers have 56 digits); `payload_hash` is the sha256 hex of the canonical JSON
 * of the event envelope (`ofs.envelope_hash.v1`: `event_id`, `ts_utc`, `payload` and every field of
 * the optional `envelope`), as the producer and archive writer recorded it.
 */
export const ReplayRecordSchema = Type.Object(
  {
    topic: Type.String({ minLength: 1 }),
    partition: Type.Integer({ minimum: 0 }),
    offset_kind: Type.String({ minLength: 1 }),
    offset: Type.String({ pattern: '^(0|[1-9][0-9]*)$' }),
    event_id: Type.String({ minLength: 1 }),
    ts_utc: Type.String({ minLength: 1 }),
    payload: Type.Object({}, { additionalProperties: true }),
    payload_hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** Further fields of the event envelope (event_type, manifest_fingerprint, …); covered by `payload_hash`. */
    envelope: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false, $id: 'learning.ofs_replay_record.v1', title: 'ReplayRecord' },
);

/** A replayed event (see `ReplayRecordSchema`). */
export type ReplayRecord = Static<typeof ReplayRecordSchema>;

/** An inclusive offset range of canonical decimal strings. */
export interface OffsetRange {
  readonly start: string;
  readonly end: string;
}

/** Which source served a record. */
export type ReplaySourceName = 'EB' | 'ARCHIVE';
