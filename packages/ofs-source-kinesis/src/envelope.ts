import { OfsError, type ReplayRecord } from '@ofs/contracts';
import { envelopeHash } from '@ofs/ids';

/** The offset kind of Kinesis sequence numbers (sparse; ~56-digit decimals). */
export const KINESIS_SEQUENCE = 'kinesis_sequence';

const decoder = new TextDecoder('utf-8', { fatal: true });
const CORE = new Set(['event_id', 'ts_utc', 'payload', 'payload_hash']);

/** Where a Kinesis record sits, for error details. */
export interface RecordPosition {
  readonly stream: string;
  readonly shard: string;
  readonly sequence: string;
}

function invalid(position: RecordPosition, why: string, cause?: unknown): OfsError {
  return new OfsError('REPLAY_RECORD_INVALID', {
    message: `Kinesis record ${position.stream}/${position.shard}@${position.sequence} is not an event envelope: ${why}`,
    details: { stream: position.stream, shard: position.shard, sequence: position.sequence },
    cause,
  });
}

/**
 * Turns one Kinesis record's data (the UTF-8 JSON event envelope: `event_id`, `ts_utc`,
 * `payload` and any further envelope fields) into a `ReplayRecord` at its sequence number.
 * `payload_hash` is computed with `envelopeHash` (`ofs.envelope_hash.v1`); data that carries its
 * own `payload_hash` must agree with it. Anything else is `REPLAY_RECORD_INVALID` naming the
 * stream, shard and sequence number.
 */
export function decodeKinesisEnvelope(data: Uint8Array, topic: string, partition: number, position: RecordPosition): ReplayRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw invalid(position, 'not UTF-8 JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(position, 'not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.event_id !== 'string' || v.event_id === '') throw invalid(position, 'event_id is not a non-empty string');
  if (typeof v.ts_utc !== 'string' || v.ts_utc === '') throw invalid(position, 'ts_utc is not a non-empty string');
  if (typeof v.payload !== 'object' || v.payload === null || Array.isArray(v.payload)) throw invalid(position, 'payload is not an object');
  let envelope: Record<string, unknown> | undefined;
  for (const key of Object.keys(v)) {
    if (CORE.has(key)) continue;
    envelope ??= {};
    envelope[key] = v[key];
  }
  const parts = {
    event_id: v.event_id,
    ts_utc: v.ts_utc,
    payload: v.payload as Record<string, unknown>,
    ...(envelope ? { envelope } : {}),
  };
  let hash: string;
  try {
    hash = envelopeHash(parts);
  } catch (error) {
    throw invalid(position, error instanceof Error ? error.message : 'envelope cannot be hashed', error);
  }
  if (v.payload_hash !== undefined && v.payload_hash !== hash) throw invalid(position, 'its payload_hash is not the hash of its envelope');
  return {
    topic,
    partition,
    offset_kind: KINESIS_SEQUENCE,
    offset: position.sequence,
    event_id: parts.event_id,
    ts_utc: parts.ts_utc,
    payload: parts.payload,
    payload_hash: hash,
    ...(envelope ? { envelope } : {}),
  };
}

/**
 * The bytes a producer puts on the stream for a record: the JSON event envelope (`event_id`,
 * `ts_utc`, `payload`, the `envelope` fields; no transport position, no hash).
 */
export function encodeKinesisEnvelope(record: Pick<ReplayRecord, 'event_id' | 'ts_utc' | 'payload' | 'envelope'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ ...record.envelope, event_id: record.event_id, ts_utc: record.ts_utc, payload: record.payload }),
  );
}
