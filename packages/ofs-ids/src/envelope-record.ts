import type { OfsError, ReplayRecord } from '@ofs/contracts';
import { envelopeHash } from './envelope-hash.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const CORE = new Set(['event_id', 'ts_utc', 'payload', 'payload_hash']);

/** Where a decoded record sits: its transport position, which the envelope never carries. */
export type EnvelopePosition = Pick<ReplayRecord, 'topic' | 'partition' | 'offset_kind' | 'offset'>;

/**
 * Turns a producer's bytes — the UTF-8 JSON event envelope: `event_id`, `ts_utc`, `payload` and
 * any further envelope fields — into a `ReplayRecord` at `position`. `payload_hash` is computed
 * with `envelopeHash` (`ofs.envelope_hash.v1`); bytes that carry their own `payload_hash` must
 * agree with it. Every refusal goes through `invalid(why, cause)`, so each bus adapter names its
 * own position (stream, shard, subject, sequence) in the error.
 */
export function decodeEnvelopeRecord(
  data: Uint8Array,
  position: EnvelopePosition,
  invalid: (why: string, cause?: unknown) => OfsError,
): ReplayRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw invalid('not UTF-8 JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.event_id !== 'string' || v.event_id === '') throw invalid('event_id is not a non-empty string');
  if (typeof v.ts_utc !== 'string' || v.ts_utc === '') throw invalid('ts_utc is not a non-empty string');
  if (typeof v.payload !== 'object' || v.payload === null || Array.isArray(v.payload)) throw invalid('payload is not an object');
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
    throw invalid(error instanceof Error ? error.message : 'envelope cannot be hashed', error);
  }
  if (v.payload_hash !== undefined && v.payload_hash !== hash) throw invalid('its payload_hash is not the hash of its envelope');
  return {
    ...position,
    event_id: parts.event_id,
    ts_utc: parts.ts_utc,
    payload: parts.payload,
    payload_hash: hash,
    ...(envelope ? { envelope } : {}),
  };
}

/**
 * The bytes a producer puts on a bus for a record: the JSON event envelope (`event_id`, `ts_utc`,
 * `payload`, the `envelope` fields; no transport position, no hash). `decodeEnvelopeRecord` reads
 * them back.
 */
export function encodeEnvelopeRecord(record: Pick<ReplayRecord, 'event_id' | 'ts_utc' | 'payload' | 'envelope'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ ...record.envelope, event_id: record.event_id, ts_utc: record.ts_utc, payload: record.payload }),
  );
}
