import { GetRecordsCommand, type KinesisClient, ListShardsCommand, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { isOfsError, type ReplayRecord, type ReplaySlice } from '@ofs/contracts';
import { describeReplaySourceContract, sampleReplayRecord } from '@ofs/contracts/testing';
import { envelopeHash } from '@ofs/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKinesisEnvelope, KINESIS_SEQUENCE } from './envelope.js';
import { createKinesisSource } from './kinesis-source.js';
import { createTestStream, type KinesisTestServer, kinesisClientFor, startKinesalite } from './testing/kinesalite.js';

const TOPIC = 'fp.bus.traffic.fraud.v1';

let server: KinesisTestServer;
let client: KinesisClient;
beforeAll(async () => {
  server = await startKinesalite();
  client = kinesisClientFor(server.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

/** The starting hash key of each shard, by shard id. */
async function hashKeys(stream: string): Promise<Map<string, string>> {
  const listed = await client.send(new ListShardsCommand({ StreamName: stream }));
  return new Map((listed.Shards ?? []).map((s) => [s.ShardId as string, s.HashKeyRange?.StartingHashKey as string]));
}

const shardId = (partition: number) => `shardId-${String(partition).padStart(12, '0')}`;

/** Puts records in the order given, each to the shard of its partition; returns them as the source will. */
async function put(stream: string, records: readonly ReplayRecord[], data?: (r: ReplayRecord) => Uint8Array): Promise<ReplayRecord[]> {
  const keys = await hashKeys(stream);
  const held: ReplayRecord[] = [];
  for (const r of records) {
    const answer = await client.send(
      new PutRecordCommand({
        StreamName: stream,
        PartitionKey: 'k',
        ExplicitHashKey: keys.get(shardId(r.partition)) as string,
        Data: data ? data(r) : encodeKinesisEnvelope(r),
      }),
    );
    const { topic: _t, partition: _p, offset_kind: _k, offset: _o, payload_hash: _h, ...event } = r;
    held.push({
      topic: TOPIC,
      partition: r.partition,
      offset_kind: KINESIS_SEQUENCE,
      offset: answer.SequenceNumber as string,
      event_id: event.event_id,
      ts_utc: event.ts_utc,
      payload: event.payload,
      payload_hash: envelopeHash(event as Parameters<typeof envelopeHash>[0]),
      ...(event.envelope ? { envelope: event.envelope } : {}),
    });
  }
  return held;
}

const slice = (partition: number, start: string, end: string): ReplaySlice => ({
  topic: TOPIC,
  partition,
  offset_kind: KINESIS_SEQUENCE,
  start_offset: start,
  end_offset: end,
});

async function drain(iterable: AsyncIterable<ReplayRecord>): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describeReplaySourceContract('kinesis on kinesalite 3.3.3', async (records) => {
  const stream = await createTestStream(client, 3);
  const held = await put(stream, records);
  // Kinesis never deletes one record (retention trims by age, ≥ 24 h): no `remove`, so the
  // record-gone case is reported as skipped; its trim-horizon check is tested below.
  return { source: createKinesisSource({ client, stream, topic: TOPIC, batchSize: 7 }), records: held };
});

describe('Kinesis source on kinesalite', () => {
  it('names the missing stream with REPLAY_SOURCE_NOT_FOUND (not retryable)', async () => {
    const source = createKinesisSource({ client, stream: 'ofs-no-such-stream', topic: TOPIC });
    const error = await failure(source.coverage(slice(0, '0', '1')));
    expect(isOfsError(error, 'REPLAY_SOURCE_NOT_FOUND')).toBe(true);
    if (isOfsError(error)) {
      expect(error.retryable).toBe(false);
      expect(error.details.stream).toBe('ofs-no-such-stream');
    }
  });

  it('refuses a record that is not an envelope with REPLAY_RECORD_INVALID naming shard and sequence', async () => {
    const stream = await createTestStream(client, 1);
    const sample = await sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, '1');
    const [good] = await put(stream, [sample]);
    const [bad] = await put(stream, [sample], () => new TextEncoder().encode('{"event_id": 7}'));
    const source = createKinesisSource({ client, stream, topic: TOPIC });
    const error = await failure(drain(source.read(slice(0, '0', '9'.repeat(60)), { start: good!.offset, end: bad!.offset })));
    expect(isOfsError(error, 'REPLAY_RECORD_INVALID')).toBe(true);
    if (isOfsError(error)) expect(error.details).toMatchObject({ stream, shard: 'shardId-000000000000', sequence: bad!.offset });
  });

  it('refuses a producer hash that does not match the envelope', async () => {
    const stream = await createTestStream(client, 1);
    const sample = await sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, '1');
    const [bad] = await put(stream, [sample], (r) =>
      new TextEncoder().encode(
        JSON.stringify({ event_id: r.event_id, ts_utc: r.ts_utc, payload: r.payload, payload_hash: 'a'.repeat(64) }),
      ),
    );
    const source = createKinesisSource({ client, stream, topic: TOPIC });
    const error = await failure(drain(source.read(slice(0, bad!.offset, bad!.offset), { start: bad!.offset, end: bad!.offset })));
    expect(isOfsError(error, 'REPLAY_RECORD_INVALID')).toBe(true);
  });

  it('keeps further envelope fields and hashes them (ofs.envelope_hash.v1)', async () => {
    const stream = await createTestStream(client, 1);
    const sample = {
      ...(await sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, '1')),
      envelope: { event_type: 'txn', manifest_fingerprint: 'f'.repeat(8) },
    };
    const [held] = await put(stream, [sample]);
    const source = createKinesisSource({ client, stream, topic: TOPIC });
    const [got] = await drain(source.read(slice(0, held!.offset, held!.offset), { start: held!.offset, end: held!.offset }));
    expect(got).toEqual(held);
    expect(got?.payload_hash).toBe(envelopeHash(sample as Parameters<typeof envelopeHash>[0]));
  });

  it('reports a split inside a slice as REPLAY_SHARD_RESHARDED, and serves the slice up to the split', async () => {
    const stream = await createTestStream(client, 1);
    const before = await put(stream, await Promise.all([1, 2, 3].map((i) => sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, String(i)))));
    const keys = await hashKeys(stream);
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shardId(0), NewStartingHashKey: (2n ** 127n).toString() }));
    for (;;) {
      const listed = await client.send(new ListShardsCommand({ StreamName: stream }));
      if ((listed.Shards ?? []).length === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    void keys;
    const source = createKinesisSource({ client, stream, topic: TOPIC });
    const first = before[0]!.offset;
    const last = before[2]!.offset;
    // Within the parent's range: served, closed shard covers up to the slice end.
    expect(await source.coverage(slice(0, first, last))).toEqual([{ start: first, end: last }]);
    expect((await drain(source.read(slice(0, first, last), { start: first, end: last }))).map((r) => r.offset)).toEqual(
      before.map((r) => r.offset),
    );
    // A slice reaching past the split: refused, in coverage and in read.
    const far = '9'.repeat(60);
    const error = await failure(source.coverage(slice(0, first, far)));
    expect(isOfsError(error, 'REPLAY_SHARD_RESHARDED')).toBe(true);
    if (isOfsError(error)) expect(error.details).toMatchObject({ stream, shard: shardId(0) });
    const readError = await failure(drain(source.read(slice(0, first, far), { start: first, end: far })));
    expect(isOfsError(readError, 'REPLAY_SHARD_RESHARDED')).toBe(true);
  });

  it('is deterministic: the same records in the same bytes on every read, whatever the batch size', async () => {
    const stream = await createTestStream(client, 2);
    const given: ReplayRecord[] = [];
    for (let i = 0; i < 40; i++) given.push(await sampleReplayRecord(TOPIC, i % 2, KINESIS_SEQUENCE, String(i + 1)));
    const held = await put(stream, given);
    const p1 = held.filter((r) => r.partition === 1);
    const range = { start: p1[0]!.offset, end: p1.at(-1)!.offset };
    const outputs: string[] = [];
    for (const batchSize of [1, 3, 1000]) {
      const source = createKinesisSource({ client, stream, topic: TOPIC, batchSize });
      outputs.push(JSON.stringify(await drain(source.read(slice(1, range.start, range.end), range))));
    }
    expect(outputs[0]).toBe(JSON.stringify(p1));
    expect(new Set(outputs).size).toBe(1);
  });
});

/**
 * The real client, except that `GetRecords` hides records below `trim.below`: kinesalite cannot
 * trim (retention is at least 24 h), so this stands in for the trim horizon moving on.
 */
function trimmingClient(real: KinesisClient, trim: { below?: bigint }): KinesisClient {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: unknown, options?: unknown) => {
        const out = await (target.send as (c: unknown, o?: unknown) => Promise<{ Records?: { SequenceNumber?: string }[] }>)(
          command,
          options,
        );
        if (command instanceof GetRecordsCommand && trim.below !== undefined && out.Records) {
          const below = trim.below;
          const kept = out.Records.filter((r) => BigInt(r.SequenceNumber as string) >= below);
          // Like a real shard past its trim horizon: an empty page that is still behind the tip.
          if (kept.length < out.Records.length) Object.assign(out, { MillisBehindLatest: 1 });
          out.Records = kept;
        }
        return out;
      };
    },
  });
}

describe('Kinesis source: records trimmed between coverage and read', () => {
  it('fails closed with REPLAY_RECORD_MISSING when the trim horizon passed records coverage promised', async () => {
    const stream = await createTestStream(client, 1);
    const held = await put(
      stream,
      await Promise.all([1, 2, 3, 4, 5].map((i) => sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, String(i)))),
    );
    const trim: { below?: bigint } = {};
    const source = createKinesisSource({ client: trimmingClient(client, trim), stream, topic: TOPIC });
    const sl = slice(0, '0', held[4]!.offset);
    const range = { start: held[0]!.offset, end: held[4]!.offset };
    expect(await source.coverage(sl)).toEqual([range]);
    expect(await drain(source.read(sl, range))).toEqual(held);
    trim.below = BigInt(held[2]!.offset); // records 1 and 2 age out
    const error = await failure(drain(source.read(sl, range)));
    expect(isOfsError(error, 'REPLAY_RECORD_MISSING')).toBe(true);
    if (isOfsError(error))
      expect(error.details).toMatchObject({ stream, shard: shardId(0), promised_first: held[0]!.offset, held_first: held[2]!.offset });
    // A range that starts past the trim is still served; a fresh coverage renews the promise.
    const tail = { start: held[2]!.offset, end: held[4]!.offset };
    expect(await drain(source.read(sl, tail))).toEqual(held.slice(2));
    expect(await source.coverage(sl)).toEqual([tail]);
    expect(await drain(source.read(sl, range))).toEqual(held.slice(2));
  });
});

describe('Kinesis source: expired iterators and throttling', () => {
  it('renews an expired iterator after the last record seen and retries throttling, without losing or repeating a record', async () => {
    const stream = await createTestStream(client, 1);
    const held = await put(
      stream,
      await Promise.all(Array.from({ length: 12 }, (_, i) => sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, String(i + 1)))),
    );
    let calls = 0;
    let expired: string | undefined;
    const failing = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: unknown, options?: unknown) => {
          if (command instanceof GetRecordsCommand) {
            calls++;
            // Kinesis' answers: the 3rd call's iterator has expired (for good: it must be renewed),
            // the 5th call is throttled.
            if (calls === 3) expired = command.input.ShardIterator;
            const name =
              command.input.ShardIterator === expired
                ? 'ExpiredIteratorException'
                : calls === 5
                  ? 'ProvisionedThroughputExceededException'
                  : undefined;
            if (name) throw Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
          }
          return (target.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
        };
      },
    });
    const retries: string[] = [];
    const source = createKinesisSource({
      client: failing,
      stream,
      topic: TOPIC,
      batchSize: 4,
      retry: {
        baseMs: 1,
        jitter: 0,
        onRetry: ({ error }) => retries.push(String((error as { details?: { kinesis_code?: string } }).details?.kinesis_code)),
      },
    });
    const range = { start: held[0]!.offset, end: held[11]!.offset };
    expect(await drain(source.read(slice(0, range.start, range.end), range))).toEqual(held);
    expect(retries).toEqual(['ExpiredIteratorException', 'ProvisionedThroughputExceededException']);
  });
});

describe('Kinesis source: a server that answers out of order', () => {
  it('refuses sequence numbers out of order with REPLAY_RECORD_INVALID, never reordering or dropping silently', async () => {
    const stream = await createTestStream(client, 1);
    const held = await put(stream, await Promise.all([1, 2, 3, 4].map((i) => sampleReplayRecord(TOPIC, 0, KINESIS_SEQUENCE, String(i)))));
    // The real server, except that each GetRecords page comes back reversed.
    const reversing = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: unknown, options?: unknown) => {
          const out = await (target.send as (c: unknown, o?: unknown) => Promise<{ Records?: unknown[] }>)(command, options);
          if (command instanceof GetRecordsCommand && out.Records) out.Records = [...out.Records].reverse();
          return out;
        };
      },
    });
    const source = createKinesisSource({ client: reversing, stream, topic: TOPIC });
    const range = { start: held[0]!.offset, end: held[3]!.offset };
    const error = await failure(drain(source.read(slice(0, range.start, range.end), range)));
    expect(isOfsError(error, 'REPLAY_RECORD_INVALID')).toBe(true);
    if (isOfsError(error)) expect(error.details).toMatchObject({ stream, shard: shardId(0) });
  });
});

describe('Kinesis source without a server', () => {
  it('maps an unreachable endpoint to REPLAY_SOURCE_UNAVAILABLE (retryable) after the shared backoff', async () => {
    const retries: number[] = [];
    const source = createKinesisSource({
      client: kinesisClientFor('http://127.0.0.1:9'),
      stream: 's',
      topic: TOPIC,
      retry: { attempts: 3, baseMs: 1, jitter: 0, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    const error = await failure(source.coverage(slice(0, '0', '1')));
    expect(isOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE')).toBe(true);
    if (isOfsError(error)) expect(error.retryable).toBe(true);
    expect(retries).toEqual([1, 2]);
  });
});
