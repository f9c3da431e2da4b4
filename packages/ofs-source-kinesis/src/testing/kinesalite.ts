import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import type { ReplayRecord } from '@ofs/contracts';
import { envelopeHash } from '@ofs/ids';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { encodeKinesisEnvelope, KINESIS_SEQUENCE } from '../envelope.js';
import { defaultShardMapping, type ShardMapping } from '../shards.js';

/** A kinesalite server listening on a free port of 127.0.0.1. */
export interface KinesisTestServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts kinesalite 3.3.3 in this process (in-memory, streams active at once) on a free port.
 * `stop()` closes it. kinesalite is a development dependency: install it (`kinesalite@3.3.3`)
 * where this helper runs.
 */
export async function startKinesalite(): Promise<KinesisTestServer> {
  const { default: kinesalite } = await import('kinesalite');
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * A Kinesis client for a local server: an HTTP/1.1 handler (the SDK's default HTTP/2 handler
 * fails against kinesalite with `ERR_HTTP2_ERROR`), dummy credentials, no SDK-level retries.
 */
export function kinesisClientFor(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'ofs-test', secretAccessKey: 'ofs-test' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

let streams = 0;

/** Creates a stream with `shards` shards, waits until it is active, and returns its name. */
export async function createTestStream(client: KinesisClient, shards: number): Promise<string> {
  streams += 1;
  const name = `ofs-test-${streams}-${Math.random().toString(36).slice(2, 8)}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Options of `putToKinesis`. */
export interface PutToKinesisOptions {
  readonly client: KinesisClient;
  readonly stream: string;
  /** The events, put one by one in this order, each to the shard of its partition. */
  readonly records: Iterable<ReplayRecord>;
  /** Partition → shard id (default `defaultShardMapping`). */
  readonly shardOf?: ShardMapping;
}

/**
 * Puts events on a stream as a producer would (the JSON envelope, `encodeKinesisEnvelope`), each
 * to its partition's shard through an explicit hash key, and returns them as a Kinesis source
 * will read them: the same events at the sequence numbers the server assigned
 * (`kinesis_sequence`), with `payload_hash` the envelope hash.
 */
export async function putToKinesis(options: PutToKinesisOptions): Promise<ReplayRecord[]> {
  const { client, stream } = options;
  const shardOf = options.shardOf ?? defaultShardMapping;
  const listed = await client.send(new ListShardsCommand({ StreamName: stream }));
  const hashKeys = new Map((listed.Shards ?? []).map((s) => [s.ShardId as string, s.HashKeyRange?.StartingHashKey as string]));
  const held: ReplayRecord[] = [];
  for (const r of options.records) {
    const hashKey = hashKeys.get(shardOf(r.partition));
    if (hashKey === undefined) throw new Error(`stream ${stream} has no shard ${shardOf(r.partition)} for partition ${r.partition}`);
    const answer = await client.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', ExplicitHashKey: hashKey, Data: encodeKinesisEnvelope(r) }),
    );
    const parts = {
      event_id: r.event_id,
      ts_utc: r.ts_utc,
      payload: r.payload as Record<string, unknown>,
      ...(r.envelope ? { envelope: r.envelope as Record<string, unknown> } : {}),
    };
    held.push({
      topic: r.topic,
      partition: r.partition,
      offset_kind: KINESIS_SEQUENCE,
      offset: answer.SequenceNumber as string,
      ...parts,
      payload_hash: envelopeHash(parts),
    });
  }
  return held;
}
