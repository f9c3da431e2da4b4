import { OfsError, type ReplayRecord } from '@ofs/contracts';
import { canonicalJson, envelopeHash, eventEnvelope } from '@ofs/ids';

const decoder = new TextDecoder('utf-8', { fatal: true });
const HASH = /^[0-9a-f]{64}$/;
const CORE = new Set(['event_id', 'ts_utc', 'payload']);

/** Which record a key should hold. */
export interface ArchivePosition {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset_kind: string;
  readonly offset: string;
}

function invalid(position: ArchivePosition, why: string, cause?: unknown): OfsError {
  return new OfsError('REPLAY_RECORD_INVALID', {
    message: `archive object ${position.key} is not an archive event record for offset ${position.offset}: ${why}`,
    details: { key: position.key, topic: position.topic, partition: position.partition, offset: position.offset },
    cause,
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads one `archive_event_record_v0` object into a `ReplayRecord`. The record's
 * `origin_offset` must name the position its key names (topic, partition, offset kind, offset);
 * its `envelope` is the bus envelope (`event_id`, `ts_utc`, `payload`, further fields kept in the
 * record's `envelope`); `payload_hash` is the archive writer's (64 lowercase hex), and with
 * `verifyHashes` must equal `envelopeHash` of the envelope. Anything else is
 * `REPLAY_RECORD_INVALID` naming the key.
 */
export function decodeArchiveRecord(bytes: Uint8Array, position: ArchivePosition, verifyHashes: boolean): ReplayRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw invalid(position, 'not UTF-8 JSON', error);
  }
  if (!isObject(value)) throw invalid(position, 'not a JSON object');
  const origin = value.origin_offset;
  if (!isObject(origin)) throw invalid(position, 'origin_offset is not an object');
  if (
    origin.topic !== position.topic ||
    Number(origin.partition) !== position.partition ||
    origin.offset_kind !== position.offset_kind ||
    typeof origin.offset !== 'string' ||
    origin.offset.trim() !== position.offset
  ) {
    throw invalid(position, `origin_offset ${JSON.stringify(origin)} is not the position its key names`);
  }
  const envelope = value.envelope;
  if (!isObject(envelope)) throw invalid(position, 'envelope is not an object');
  if (typeof envelope.event_id !== 'string' || envelope.event_id === '')
    throw invalid(position, 'envelope.event_id is not a non-empty string');
  if (typeof envelope.ts_utc !== 'string' || envelope.ts_utc === '') throw invalid(position, 'envelope.ts_utc is not a non-empty string');
  if (!isObject(envelope.payload)) throw invalid(position, 'envelope.payload is not an object');
  const hash = value.payload_hash;
  if (typeof hash !== 'string' || !HASH.test(hash)) throw invalid(position, 'payload_hash is not 64 lowercase hex characters');
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(envelope)) {
    if (CORE.has(key)) continue;
    extra ??= {};
    extra[key] = envelope[key];
  }
  const record: ReplayRecord = {
    topic: position.topic,
    partition: position.partition,
    offset_kind: position.offset_kind,
    offset: position.offset,
    event_id: envelope.event_id,
    ts_utc: envelope.ts_utc,
    payload: envelope.payload,
    payload_hash: hash,
    ...(extra ? { envelope: extra } : {}),
  };
  if (verifyHashes) {
    let computed: string;
    try {
      computed = envelopeHash({
        event_id: record.event_id,
        ts_utc: record.ts_utc,
        payload: envelope.payload,
        ...(extra ? { envelope: extra } : {}),
      });
    } catch (error) {
      throw invalid(position, error instanceof Error ? error.message : 'envelope cannot be hashed', error);
    }
    if (computed !== hash) throw invalid(position, `payload_hash ${hash} is not the envelope hash ${computed}`);
  }
  return record;
}

/** The run context an `archive_event_record_v0` carries beside the event. */
export interface ArchiveRecordContext {
  readonly platform_run_id: string;
  readonly scenario_run_id: string;
  readonly scenario_id: string;
  readonly parameter_hash: string;
  /** Used when the record's envelope has no `manifest_fingerprint`. */
  readonly manifest_fingerprint: string;
  /** Used when the record's envelope has no `event_type`. */
  readonly event_type?: string;
  /** When the archive writer archived it (RFC 3339). */
  readonly archived_at_utc: string;
}

/**
 * The bytes the reference archive writer stores for `record`: an `archive_event_record_v0`
 * (canonical JSON and a trailing newline) whose `envelope` is the record's whole event envelope
 * and whose `payload_hash` is the record's.
 */
export function encodeArchiveRecord(record: ReplayRecord, context: ArchiveRecordContext): Uint8Array {
  const payload = record.payload as Record<string, unknown>;
  const more = record.envelope as Record<string, unknown> | undefined;
  const envelope = eventEnvelope({ event_id: record.event_id, ts_utc: record.ts_utc, payload, ...(more ? { envelope: more } : {}) });
  const body = {
    archived_at_utc: context.archived_at_utc,
    platform_run_id: context.platform_run_id,
    scenario_run_id: context.scenario_run_id,
    scenario_id: context.scenario_id,
    parameter_hash: context.parameter_hash,
    manifest_fingerprint: typeof more?.manifest_fingerprint === 'string' ? more.manifest_fingerprint : context.manifest_fingerprint,
    event_id: record.event_id,
    event_type: typeof more?.event_type === 'string' ? more.event_type : (context.event_type ?? 'event'),
    ts_utc: record.ts_utc,
    payload_hash: record.payload_hash,
    origin_offset: { topic: record.topic, partition: record.partition, offset: record.offset, offset_kind: record.offset_kind },
    envelope,
  };
  return new TextEncoder().encode(`${canonicalJson(body)}\n`);
}
