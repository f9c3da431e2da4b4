import type { ReplayRecord } from '@ofs/contracts';
import { canonicalJson, type EventEnvelopeParts, envelopeHash, eventEnvelope } from '@ofs/ids';
import type { NatsConnection } from 'nats';
import { toSourceError } from './errors.js';
import { defaultSubjectMapping, JETSTREAM_SEQUENCE, type SubjectMapping } from './subjects.js';

/** Options of `publishToJetStream`. */
export interface PublishToJetStreamOptions {
  readonly connection: NatsConnection;
  readonly stream: string;
  /** Topic partition → subject (default `defaultSubjectMapping()`), as the source will read it. */
  readonly subjectFor?: SubjectMapping;
  /** The events, in the order to publish (ascending offset within each partition). */
  readonly records: Iterable<ReplayRecord> | AsyncIterable<ReplayRecord>;
  /** Creates the stream (file storage, the mapped subjects) when it does not exist. */
  readonly createStream?: { readonly subjects: readonly string[] };
  /** Publishes awaited at once (default 256). */
  readonly window?: number;
}

function envelopeParts(r: ReplayRecord): EventEnvelopeParts {
  const payload = r.payload as Record<string, unknown>;
  return r.envelope === undefined
    ? { event_id: r.event_id, ts_utc: r.ts_utc, payload }
    : { event_id: r.event_id, ts_utc: r.ts_utc, payload, envelope: r.envelope as Record<string, unknown> };
}

/**
 * Publishes each record's event envelope (`eventEnvelope`: event_id, ts_utc, payload and
 * further envelope fields, as canonical JSON) on its partition's subject and returns the records
 * as the stream now holds them: same events, offset kind `jetstream_sequence`, offset the stream
 * sequence JetStream assigned, `payload_hash` the envelope hash the source computes. For demos, tests and benches; a platform's producers publish the
 * same envelopes.
 */
export async function publishToJetStream(options: PublishToJetStreamOptions): Promise<ReplayRecord[]> {
  const { connection, stream } = options;
  const subjectFor = options.subjectFor ?? defaultSubjectMapping();
  const window = Math.max(1, options.window ?? 256);
  try {
    if (options.createStream) {
      const jsm = await connection.jetstreamManager();
      try {
        await jsm.streams.info(stream);
      } catch {
        await jsm.streams.add({ name: stream, subjects: [...options.createStream.subjects] });
      }
    }
    const js = connection.jetstream();
    const encoder = new TextEncoder();
    const out: ReplayRecord[] = [];
    let inFlight: { record: ReplayRecord; ack: Promise<{ seq: number }> }[] = [];
    const drain = async () => {
      for (const f of inFlight) {
        const ack = await f.ack;
        out.push({
          ...f.record,
          offset_kind: JETSTREAM_SEQUENCE,
          offset: String(ack.seq),
          payload_hash: envelopeHash(envelopeParts(f.record)),
        });
      }
      inFlight = [];
    };
    for await (const record of options.records) {
      const body = encoder.encode(canonicalJson(eventEnvelope(envelopeParts(record))));
      inFlight.push({ record, ack: js.publish(subjectFor(record.topic, record.partition), body, { expect: { streamName: stream } }) });
      if (inFlight.length >= window) await drain();
    }
    await drain();
    return out;
  } catch (error) {
    throw toSourceError(error, stream, 'publish');
  }
}
