import { OfsError, type ReplayRecord } from '@ofs/contracts';
import { envelopeHash } from '@ofs/ids';
import { JETSTREAM_SEQUENCE } from './subjects.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const CORE = new Set(['event_id', 'ts_utc', 'payload', 'payload_hash']);

/** Where a message sits, for error details. */
export interface MessagePosition {
  readonly stream: string;
  readonly subject: string;
  readonly seq: number;
}

function invalid(position: MessagePosition, why: string, cause?: unknown): OfsError {
  return new OfsError('REPLAY_RECORD_INVALID', {
    message: `JetStream message ${position.stream}/${position.subject}#${position.seq} is not an event envelope: ${why}`,
    details: { stream: position.stream, subject: position.subject, sequence: String(position.seq) },
    cause,
  });
}

/**
 * Turns one JetStream message (the UTF-8 JSON event envelope: `event_id`, `ts_utc`, `payload`
 * and any further envelope fields) into a `ReplayRecord` at its stream sequence.
 * `payload_hash` is computed with `envelopeHash` (`ofs.envelope_hash.v1`); a message that
 * carries its own `payload_hash` must agree with it. Anything else is `REPLAY_RECORD_INVALID`
 * naming the stream, subject and sequence.
 */
export function decodeEnvelope(data: Uint8Array, topic: string, partition: number, position: MessagePosition): ReplayRecord {
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
    offset_kind: JETSTREAM_SEQUENCE,
    offset: String(position.seq),
    event_id: parts.event_id,
    ts_utc: parts.ts_utc,
    payload: parts.payload,
    payload_hash: hash,
    ...(envelope ? { envelope } : {}),
  };
}
