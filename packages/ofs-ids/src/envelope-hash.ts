import { OfsError } from '@ofs/contracts';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './sha256.js';

/** Name of the record-hash recipe (DESIGN §12): what a record's `payload_hash` covers. */
export const ENVELOPE_HASH_RECIPE = 'ofs.envelope_hash.v1';

/** Transport fields and the hash itself: never part of the hashed envelope. */
const NOT_ENVELOPE = new Set(['topic', 'partition', 'offset_kind', 'offset', 'payload_hash']);
const CORE = new Set(['event_id', 'ts_utc', 'payload']);

/** The parts of an event a record's `payload_hash` covers. */
export interface EventEnvelopeParts {
  readonly event_id: string;
  readonly ts_utc: string;
  readonly payload: object;
  /** Every further field the producer put on the envelope (event_type, manifest_fingerprint, …). */
  readonly envelope?: object | undefined;
}

/**
 * The event envelope as hashed: `{event_id, ts_utc, payload}` plus every field of `envelope`.
 * An `envelope` field that repeats a core field or names a transport field is refused
 * (`REPLAY_RECORD_INVALID`): it would make two different records hash alike.
 */
export function eventEnvelope(parts: EventEnvelopeParts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (parts.envelope !== undefined) {
    for (const key of Object.keys(parts.envelope)) {
      if (CORE.has(key) || NOT_ENVELOPE.has(key)) {
        throw new OfsError('REPLAY_RECORD_INVALID', {
          message: `envelope field "${key}" is reserved: it is a record field or transport position`,
          details: { event_id: parts.event_id, field: key },
        });
      }
      out[key] = (parts.envelope as Record<string, unknown>)[key];
    }
  }
  out.event_id = parts.event_id;
  out.ts_utc = parts.ts_utc;
  out.payload = parts.payload;
  return out;
}

/**
 * `ofs.envelope_hash.v1`: sha256 hex of the canonical JSON of the whole event envelope
 * (`eventEnvelope`), byte-compatible with the reference archive writer's `payload_hash`.
 * A flipped byte anywhere in `event_id`, `ts_utc`, `payload` or a further envelope field changes it.
 */
export function envelopeHash(parts: EventEnvelopeParts): string {
  return sha256Hex(canonicalJson(eventEnvelope(parts)));
}
