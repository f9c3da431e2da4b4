// A build whose EB is Kinesis (kinesalite, started here) gives the same rows as a build from the
// same events held as segment files: features and labels, every column but the offset ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryObjectStore, type ReplayRecord, type ReplaySlice, type ReplaySource } from '@ofs/contracts';
import { createFsObjectStore, createSegmentFileSource, writeSegmentFiles } from '@ofs/fs';
import { envelopeHash } from '@ofs/ids';
import { createMemoryLedgerStore } from '@ofs/ledger';
import { readDataset } from '@ofs/publish';
import { createMemoryReplaySource } from '@ofs/replay';
import { createKinesisSource } from '@ofs/source-kinesis';
import { createTestStream, type KinesisTestServer, kinesisClientFor, putToKinesis, startKinesalite } from '@ofs/source-kinesis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import type { CorridorDeps } from './corridor-types.js';
import { memoryWorld } from './test-support/memory-world.js';

let server: KinesisTestServer;
const dirs: string[] = [];
beforeAll(async () => {
  server = await startKinesalite();
});
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Every record of a partition once (EB and Archive overlap at the cutover), in offset order, partitions interleaved. */
function union(eb: readonly ReplayRecord[], archive: readonly ReplayRecord[]): ReplayRecord[] {
  const byPartition = new Map<string, Map<string, ReplayRecord>>();
  for (const r of [...archive, ...eb]) {
    const key = `${r.topic}/${r.partition}`;
    const m = byPartition.get(key) ?? new Map<string, ReplayRecord>();
    if (!m.has(r.offset)) m.set(r.offset, r);
    byPartition.set(key, m);
  }
  const lists = [...byPartition.keys()]
    .sort()
    .map((k) =>
      [...(byPartition.get(k) as Map<string, ReplayRecord>).values()].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset))),
    );
  const out: ReplayRecord[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i += 50) for (const l of lists) out.push(...l.slice(i, i + 50));
  return out;
}

/** Rows without the columns that name transport positions. */
function withoutOffsets(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !/offset/i.test(k))));
}

/** One Kinesis source per topic (a stream per topic), routed by the slice's topic. */
function byTopic(sources: ReadonlyMap<string, ReplaySource>): ReplaySource {
  const of = (slice: ReplaySlice) => sources.get(slice.topic);
  return {
    coverage: async (slice, options) => (await of(slice)?.coverage(slice, options)) ?? [],
    async *read(slice, range, options) {
      const source = of(slice);
      if (source) yield* source.read(slice, range, options);
    },
  };
}

async function rowsOf(deps: CorridorDeps, intent: unknown): Promise<Record<string, unknown>[]> {
  const corridor = createCorridor(deps);
  const { run } = await corridor.submit(intent);
  const done = await corridor.runBuild(run.run_key);
  expect(done).toMatchObject({ state: 'DONE', status_class: 'COMPLETE_SUCCESS' });
  const rows: Record<string, unknown>[] = [];
  for await (const row of readDataset(done.manifest_key as string, { store: deps.store })) rows.push(row);
  return rows;
}

async function copyRunInputs(from: Awaited<ReturnType<typeof memoryWorld>>, to: CorridorDeps['store']): Promise<void> {
  for await (const key of from.store.list(`${from.data.platform_run_id}/`))
    await to.putIfAbsent(key, (await from.store.get(key)) as Uint8Array);
}

describe('a build from Kinesis (kinesalite)', () => {
  it('gives the rows of the segment-file build of the same events (all columns but the offset ones)', async () => {
    const world = await memoryWorld({ events: 1200 });
    const events = union(world.ebRecords, world.archiveRecords).map((r) => ({
      ...r,
      payload_hash: envelopeHash({ event_id: r.event_id, ts_utc: r.ts_utc, payload: r.payload as Record<string, unknown> }),
    }));

    // From segment files: every event in EB segment files, an empty Archive.
    const root = await mkdtemp(join(tmpdir(), 'ofs-kinesis-e2e-'));
    dirs.push(root);
    await writeSegmentFiles({ root: join(root, 'eb'), records: events });
    const segmentDeps: CorridorDeps = {
      ...world.deps,
      store: createFsObjectStore({ root: join(root, 'store') }),
      ledger: createMemoryLedgerStore(),
      eb: createSegmentFileSource({ root: join(root, 'eb') }),
      archive: createMemoryReplaySource([]),
    };
    await copyRunInputs(world, segmentDeps.store);
    const segmentRows = await rowsOf(segmentDeps, world.intent());

    // From Kinesis: a stream per topic with a shard per partition; Kinesis assigns the sequence numbers.
    const client = kinesisClientFor(server.endpoint);
    const topics = [...new Set(events.map((r) => r.topic))];
    const sources = new Map<string, ReplaySource>();
    const held: ReplayRecord[] = [];
    for (const topic of topics) {
      const mine = events.filter((r) => r.topic === topic);
      const stream = await createTestStream(client, Math.max(...mine.map((r) => r.partition)) + 1);
      held.push(...(await putToKinesis({ client, stream, records: mine })));
      sources.set(topic, createKinesisSource({ client, stream, topic, batchSize: 200 }));
    }
    const basis: ReplaySlice[] = world.data.replay_basis.map((slice) => {
      const mine = held.filter((r) => r.topic === slice.topic && r.partition === slice.partition);
      return { ...slice, offset_kind: 'kinesis_sequence', start_offset: mine[0]!.offset, end_offset: mine.at(-1)!.offset };
    });
    const kinesisDeps: CorridorDeps = {
      ...world.deps,
      store: createMemoryObjectStore(),
      ledger: createMemoryLedgerStore(),
      eb: byTopic(sources),
      archive: createMemoryReplaySource([]),
    };
    await copyRunInputs(world, kinesisDeps.store);
    const kinesisRows = await rowsOf(kinesisDeps, world.intent({ replay_basis: basis, request_id: 'test.build.kinesis.0001' }));
    client.destroy();

    expect(kinesisRows.length).toBe(segmentRows.length);
    expect(kinesisRows.length).toBeGreaterThan(300);
    expect(withoutOffsets(kinesisRows)).toEqual(withoutOffsets(segmentRows));
  }, 120_000);
});
