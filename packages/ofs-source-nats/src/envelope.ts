import { OfsError, type ReplayRecord } from '@ofs/contracts';
import { decodeEnvelopeRecord } from '@ofs/ids';
import { JETSTREAM_SEQUENCE } from './subjects.js';

/** Where a message sits, for error details. */
export interface MessagePosition {
  readonly stream: string;
  readonly subject: string;
  readonly seq: number;
}

/**
 * Turns one JetStream message (the UTF-8 JSON event envelope: `event_id`, `ts_utc`, `payload`
 * and any further envelope fields) into a `ReplayRecord` at its stream sequence, by
 * `decodeEnvelopeRecord` of `@ofs/ids` (`payload_hash` = `envelopeHash`; a carried one must
 * agree). Anything else is `REPLAY_RECORD_INVALID` naming the stream, subject and sequence.
 */
export function decodeEnvelope(data: Uint8Array, topic: string, partition: number, position: MessagePosition): ReplayRecord {
  return decodeEnvelopeRecord(
    data,
    { topic, partition, offset_kind: JETSTREAM_SEQUENCE, offset: String(position.seq) },
    (why, cause) =>
      new OfsError('REPLAY_RECORD_INVALID', {
        message: `JetStream message ${position.stream}/${position.subject}#${position.seq} is not an event envelope: ${why}`,
        details: { stream: position.stream, subject: position.subject, sequence: String(position.seq) },
        cause,
      }),
  );
}
