import { isOfsError, type ReplayRecord } from '@ofs/contracts';
import { describeReplaySourceContract, sampleReplayRecord } from '@ofs/contracts/testing';
import { canonicalJson } from '@ofs/ids';
import { connect, type NatsConnection } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { connectNats } from './connect.js';
import { createNatsSource } from './nats-source.js';
import { publishToJetStream } from './publish.js';

const URL = process.env.OFS_TEST_NATS_URL;
if (!URL) console.warn('OFS_TEST_NATS_URL is not set: the NATS JetStream tests are skipped (set it to nats://127.0.0.1:4222)');
const run = Math.random().toString(36).slice(2, 8);
let nc: NatsConnection | undefined;
const streams: string[] = [];
let n = 0;

async function freshStream(): Promise<{ stream: string; prefix: string }> {
  const stream = `ofs_test_${run}_${n++}`;
  streams.push(stream);
  return { stream, prefix: stream };
}

async function connection(): Promise<NatsConnection> {
  nc ??= await connect({ servers: URL as string });
  return nc;
}

afterAll(async () => {
  if (nc === undefined) return;
  const jsm = await nc.jetstreamManager();
  for (const s of streams) await jsm.streams.delete(s).catch(() => {});
  await nc.close();
});

const subjectFor = (prefix: string) => (topic: string, partition: number) => `${prefix}.${topic}.${partition}`;

async function seeded(records: readonly ReplayRecord[], batchSize?: number) {
  const c = await connection();
  const { stream, prefix } = await freshStream();
  const held = await publishToJetStream({
    connection: c,
    stream,
    subjectFor: subjectFor(prefix),
    records,
    createStream: { subjects: [`${prefix}.>`] },
  });
  const source = createNatsSource({ connection: c, stream, subjectFor: subjectFor(prefix), ...(batchSize ? { batchSize } : {}) });
  return {
    stream,
    prefix,
    held,
    source,
    remove: async (r: ReplayRecord) => void (await (await c.jetstreamManager()).streams.deleteMessage(stream, Number(r.offset))),
  };
}

async function collect(
  source: ReturnType<typeof createNatsSource>,
  slice: Parameters<ReturnType<typeof createNatsSource>['read']>[0],
  start: string,
  end: string,
) {
  const out: ReplayRecord[] = [];
  for await (const r of source.read(slice, { start, end })) out.push(r);
  return out;
}

const T = 'fp.bus.traffic.fraud.v1';

describe.skipIf(!URL)('NATS JetStream source (server)', () => {
  describeReplaySourceContract('nats jetstream', async (records) => {
    const s = await seeded(records, 7);
    return { source: s.source, records: s.held, remove: s.remove };
  });

  describeReplaySourceContract('nats jetstream (one fetch per range)', async (records) => {
    const s = await seeded(records);
    return { source: s.source, records: s.held };
  });

  it('fails closed when the whole stream is purged between coverage and read', async () => {
    const records: ReplayRecord[] = [];
    for (let o = 0; o < 20; o++) records.push(await sampleReplayRecord(T, 0, 'kafka_offset', String(o)));
    const s = await seeded(records);
    const slice = { topic: T, partition: 0, offset_kind: 'jetstream_sequence', start_offset: '1', end_offset: '100' };
    expect(await s.source.coverage(slice)).toEqual([{ start: '1', end: '20' }]);
    await (await (await connection()).jetstreamManager()).streams.purge(s.stream, { filter: `${s.prefix}.${T}.0` });
    await expect(collect(s.source, slice, '1', '20')).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_RECORD_MISSING'));
    // A new coverage is a new promise: the subject is empty now, and a read finds nothing.
    expect(await s.source.coverage(slice)).toEqual([]);
    expect(await collect(s.source, slice, '1', '20')).toEqual([]);
  });

  it('still reads after records are appended to a covered subject (appending is not a loss)', async () => {
    const records: ReplayRecord[] = [];
    for (let o = 0; o < 10; o++) records.push(await sampleReplayRecord(T, 0, 'kafka_offset', String(o)));
    const s = await seeded(records);
    const slice = { topic: T, partition: 0, offset_kind: 'jetstream_sequence', start_offset: '1', end_offset: '100' };
    expect(await s.source.coverage(slice)).toEqual([{ start: '1', end: '10' }]);
    const more = [await sampleReplayRecord(T, 0, 'kafka_offset', '10'), await sampleReplayRecord(T, 1, 'kafka_offset', '0')];
    await publishToJetStream({ connection: await connection(), stream: s.stream, subjectFor: subjectFor(s.prefix), records: more });
    expect((await collect(s.source, slice, '1', '10')).map((r) => r.offset)).toEqual(s.held.map((r) => r.offset));
  });

  it('keeps envelope fields, computes the envelope hash, and refuses a message that is not an envelope', async () => {
    const base = await sampleReplayRecord(T, 0, 'kafka_offset', '1');
    const withEnvelope: ReplayRecord = { ...base, envelope: { event_type: 'txn', manifest_fingerprint: 'a'.repeat(64) } };
    const s = await seeded([withEnvelope]);
    const slice = { topic: T, partition: 0, offset_kind: 'jetstream_sequence', start_offset: '1', end_offset: '100' };
    const got = await collect(s.source, slice, '1', '100');
    expect(got).toEqual(s.held);
    expect(got[0]!.envelope).toEqual(withEnvelope.envelope);
    const js = (await connection()).jetstream();
    const ack = await js.publish(`${s.prefix}.${T}.0`, new TextEncoder().encode('{"event_id":"x","ts_utc":"t"}'));
    await expect(collect(s.source, slice, '1', '100')).rejects.toSatisfy(
      (e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID') && e.details.sequence === String(ack.seq) && e.details.stream === s.stream,
    );
    const forged = { ...JSON.parse(canonicalJson({ event_id: 'y', ts_utc: 't', payload: {} })), payload_hash: 'f'.repeat(64) };
    const ack2 = await js.publish(`${s.prefix}.${T}.1`, new TextEncoder().encode(JSON.stringify(forged)));
    await expect(collect(s.source, { ...slice, partition: 1 }, '1', '100')).rejects.toSatisfy(
      (e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID') && e.details.sequence === String(ack2.seq),
    );
  });

  it('names a missing stream with a code that is not retryable', async () => {
    const source = createNatsSource({ connection: await connection(), stream: `ofs_missing_${run}`, retry: { attempts: 1 } });
    const slice = { topic: T, partition: 0, offset_kind: 'jetstream_sequence', start_offset: '1', end_offset: '100' };
    await expect(source.coverage(slice)).rejects.toSatisfy(
      (e: unknown) => isOfsError(e, 'REPLAY_SOURCE_NOT_FOUND') && !e.retryable && e.details.stream === `ofs_missing_${run}`,
    );
  });

  it('a connection that is gone is REPLAY_SOURCE_UNAVAILABLE (retryable) after the backoff retries', async () => {
    const closed = await connect({ servers: URL as string });
    await closed.close();
    const retries: number[] = [];
    const source = createNatsSource({
      connection: closed,
      stream: 'any',
      retry: { attempts: 3, sleep: async () => {}, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    const slice = { topic: T, partition: 0, offset_kind: 'jetstream_sequence', start_offset: '1', end_offset: '100' };
    await expect(source.coverage(slice)).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_SOURCE_UNAVAILABLE') && e.retryable);
    expect(retries).toEqual([1, 2]);
  });

  it('holds nothing for slices of another offset kind', async () => {
    const s = await seeded([await sampleReplayRecord(T, 0, 'kafka_offset', '1')]);
    const slice = { topic: T, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '100' };
    expect(await s.source.coverage(slice)).toEqual([]);
    expect(await collect(s.source, slice, '0', '100')).toEqual([]);
  });
});

describe('connectNats', () => {
  it('gives REPLAY_SOURCE_UNAVAILABLE (retryable) for an unreachable server, after the backoff retries', async () => {
    const { createServer } = await import('node:net');
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const p = (server.address() as { port: number }).port;
        server.close(() => resolve(p));
      });
    });
    const attempts: number[] = [];
    await expect(
      connectNats({
        servers: `127.0.0.1:${port}`,
        timeout: 2000,
        stream: 'events',
        retry: { attempts: 3, sleep: async () => {}, onRetry: ({ attempt }) => attempts.push(attempt) },
      }),
    ).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_SOURCE_UNAVAILABLE') && e.retryable);
    expect(attempts).toEqual([1, 2]);
  });
});
