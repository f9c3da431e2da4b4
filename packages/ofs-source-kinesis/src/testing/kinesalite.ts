import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';

/** A kinesalite server listening on a free port of 127.0.0.1. */
export interface KinesisTestServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts kinesalite 3.3.3 in this process (in-memory, streams active at once) on a free port.
 * `stop()` closes it.
 */
export async function startKinesalite(): Promise<KinesisTestServer> {
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
