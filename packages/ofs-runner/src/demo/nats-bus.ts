import { OfsError, type ReplayRecord, type ReplaySlice, type ReplaySource } from '@ofs/contracts';
import { createSegmentFileSource } from '@ofs/fs';
import { sha256Hex } from '@ofs/ids';
import type { CorridorLayout } from '../default-corridor.js';

/** Where `ofs demo --bus nats` publishes: the server, and the stream and subject prefix it derives. */
export interface DemoNatsBus {
  readonly servers: string;
  readonly stream: string;
  readonly subjectPrefix: string;
}

/** The demo's NATS stream for a corridor directory (one stream per directory, so demos do not mix). */
export function demoNatsBus(layout: CorridorLayout, servers: string): DemoNatsBus {
  const id = sha256Hex(layout.dir).slice(0, 12);
  return { servers, stream: `OFS_DEMO_${id}`, subjectPrefix: `ofsdemo_${id}` };
}

async function* merged(a: AsyncIterable<ReplayRecord>, b: AsyncIterable<ReplayRecord>): AsyncGenerator<ReplayRecord> {
  const ia = a[Symbol.asyncIterator]();
  const ib = b[Symbol.asyncIterator]();
  let x = await ia.next();
  let y = await ib.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && BigInt(x.value.offset) <= BigInt(y.value.offset))) {
      const value = x.value as ReplayRecord;
      if (!y.done && y.value.offset === value.offset) y = await ib.next(); // on both sides: once
      yield value;
      x = await ia.next();
    } else {
      yield y.value;
      y = await ib.next();
    }
  }
}

interface NatsModule {
  connectNats(options: Record<string, unknown>): Promise<{ close(): Promise<void> }>;
  publishToJetStream(options: Record<string, unknown>): Promise<ReplayRecord[]>;
}

/**
 * Publishes every demo event once (EB and Archive overlap at the cutover), partition by
 * partition in offset order, to the demo's JetStream stream, and returns the replay basis
 * rewritten to the stream sequences JetStream assigned (`jetstream_sequence`).
 */
export async function publishDemoToNats(
  layout: CorridorLayout,
  basis: readonly ReplaySlice[],
  bus: DemoNatsBus,
  progress: (message: string) => void,
): Promise<ReplaySlice[]> {
  let nats: NatsModule;
  try {
    nats = (await import('@ofs/source-nats')) as unknown as NatsModule;
  } catch (error) {
    throw new OfsError('ADAPTER_NOT_INSTALLED', {
      message: 'ofs demo --bus nats needs @ofs/source-nats',
      details: { package: '@ofs/source-nats' },
      cause: error,
    });
  }
  const eb: ReplaySource = createSegmentFileSource({ root: layout.eb });
  const archive: ReplaySource = createSegmentFileSource({ root: layout.archive });
  const connection = await nats.connectNats({ servers: bus.servers, stream: bus.stream, retry: { attempts: 3 } });
  try {
    const out: ReplaySlice[] = [];
    for (const slice of basis) {
      const range = { start: slice.start_offset, end: slice.end_offset };
      const held = await nats.publishToJetStream({
        connection,
        stream: bus.stream,
        subjectFor: (topic: string, partition: number) => `${bus.subjectPrefix}.${topic}.${partition}`,
        records: merged(archive.read(slice, range), eb.read(slice, range)),
        createStream: { subjects: [`${bus.subjectPrefix}.>`] },
      });
      if (held.length === 0)
        throw new OfsError('INTERNAL_ERROR', { message: `demo slice ${slice.topic}/${slice.partition} has no events` });
      progress(`published ${held.length} events of ${slice.topic}/${slice.partition} to JetStream stream ${bus.stream}`);
      out.push({ ...slice, offset_kind: 'jetstream_sequence', start_offset: held[0]!.offset, end_offset: held[held.length - 1]!.offset });
    }
    return out;
  } finally {
    await connection.close();
  }
}
