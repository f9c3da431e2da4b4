import { OfsError, type ReplayRecord } from '@ofs/contracts';
import { decodeEnvelopeRecord, encodeEnvelopeRecord } from '@ofs/ids';

/** The offset kind of Kinesis sequence numbers (sparse; ~56-digit decimals). */
export const KINESIS_SEQUENCE = 'kinesis_sequence';

/** Where a Kinesis record sits, for error details. */
export interface RecordPosition {
  readonly stream: string;
  readonly shard: string;
  readonly sequence: string;
}

/**
 * Turns one Kinesis record's data (the UTF-8 JSON event envelope: `event_id`, `ts_utc`,
 * `payload` and any further envelope fields) into a `ReplayRecord` at its sequence number, by
 * `decodeEnvelopeRecord` of `@ofs/ids` (`payload_hash` = `envelopeHash`; a carried one must
 * agree). Anything else is `REPLAY_RECORD_INVALID` naming the stream, shard and sequence number.
 */
export function decodeKinesisEnvelope(data: Uint8Array, topic: string, partition: number, position: RecordPosition): ReplayRecord {
  return decodeEnvelopeRecord(
    data,
    { topic, partition, offset_kind: KINESIS_SEQUENCE, offset: position.sequence },
    (why, cause) =>
      new OfsError('REPLAY_RECORD_INVALID', {
        message: `Kinesis record ${position.stream}/${position.shard}@${position.sequence} is not an event envelope: ${why}`,
        details: { stream: position.stream, shard: position.shard, sequence: position.sequence },
        cause,
      }),
  );
}

/**
 * The bytes a producer puts on the stream for a record (`encodeEnvelopeRecord` of `@ofs/ids`):
 * the JSON event envelope, no transport position, no hash.
 */
export const encodeKinesisEnvelope = encodeEnvelopeRecord;
