// A build whose EB is NATS JetStream gives the same rows as a build from the same events held as
// segment files: features and labels, every column but the offset ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryObjectStore, type ReplayRecord, type ReplaySlice } from '@ofs/contracts';
import { createFsObjectStore, createSegmentFileSource, writeSegmentFiles } from '@ofs/fs';
import { envelopeHash } from '@ofs/ids';
import { createMemoryLedgerStore } from '@ofs/ledger';
import { createMemoryFeatureProfiles } from '@ofs/plan';
import { readDataset } from '@ofs/publish';
import { createMemoryReplaySource } from '@ofs/replay';
import { connectNats, createNatsSource, publishToJetStream } from '@ofs/source-nats';
import { afterAll, describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import type { CorridorDeps } from './corridor-types.js';
import { demoProfile } from './demo/fixtures.js';
import { memoryWorld } from './test-support/memory-world.js';

const URL = process.env.OFS_TEST_NATS_URL;
if (!URL) console.warn('OFS_TEST_NATS_URL is not set: the build-from-NATS e2e test is skipped (set it to nats://127.0.0.1:4222)');

const stream = `ofs_e2e_${Math.random().toString(36).slice(2, 8)}`;
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c().catch(() => undefined);
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
    .map((k) => [...byPartition.get(k)!.values()].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset))));
  const out: ReplayRecord[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i += 50) for (const l of lists) out.push(...l.slice(i, i + 50));
  return out;
}

/** Rows without the columns that name transport positions. */
function withoutOffsets(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !/offset/i.test(k))));
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

describe.skipIf(!URL)('a build from NATS JetStream', () => {
  it('gives the rows of the segment-file build of the same events (all columns but the offset ones)', async () => {
    const world = await memoryWorld({ events: 1500 });
    // payload_hash is the envelope hash (DESIGN §12), which the NATS source computes.
    const events = union(world.ebRecords, world.archiveRecords).map((r) => ({
      ...r,
      payload_hash: envelopeHash({ event_id: r.event_id, ts_utc: r.ts_utc, payload: r.payload as Record<string, unknown> }),
    }));

    // Build from segment files: every event in EB segment files, an empty Archive.
    const root = await mkdtemp(join(tmpdir(), 'ofs-nats-e2e-'));
    dirs.push(root);
    await writeSegmentFiles({ root: join(root, 'eb'), records: events });
    const segmentDeps: CorridorDeps = {
      ...world.deps,
      store: createFsObjectStore({ root: join(root, 'store') }),
      ledger: createMemoryLedgerStore(),
      eb: createSegmentFileSource({ root: join(root, 'eb') }),
      archive: createMemoryReplaySource([]),
      profiles: createMemoryFeatureProfiles([demoProfile()]),
    };
    for await (const key of world.store.list(`${world.data.platform_run_id}/`)) {
      await segmentDeps.store.putIfAbsent(key, (await world.store.get(key)) as Uint8Array);
    }
    const segmentRows = await rowsOf(segmentDeps, world.intent());

    // Build from NATS: the same events published to JetStream, which assigns its own sequences.
    const connection = await connectNats({ servers: URL as string, stream });
    closers.push(async () => {
      await (await connection.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await connection.close();
    });
    const subjectFor = (topic: string, partition: number) => `${stream}.${topic}.${partition}`;
    const held = await publishToJetStream({ connection, stream, subjectFor, records: events, createStream: { subjects: [`${stream}.>`] } });
    const basis: ReplaySlice[] = world.data.replay_basis.map((slice) => {
      const mine = held.filter((r) => r.topic === slice.topic && r.partition === slice.partition);
      return { ...slice, offset_kind: 'jetstream_sequence', start_offset: mine[0]!.offset, end_offset: mine[mine.length - 1]!.offset };
    });
    const natsStore = createMemoryObjectStore();
    for await (const key of world.store.list(`${world.data.platform_run_id}/`)) {
      await natsStore.putIfAbsent(key, (await world.store.get(key)) as Uint8Array);
    }
    const natsDeps: CorridorDeps = {
      ...world.deps,
      store: natsStore,
      ledger: createMemoryLedgerStore(),
      eb: createNatsSource({ connection, stream, subjectFor, batchSize: 500 }),
      archive: createMemoryReplaySource([]),
    };
    const natsRows = await rowsOf(natsDeps, world.intent({ replay_basis: basis, request_id: 'test.build.nats.0001' }));

    expect(natsRows.length).toBe(segmentRows.length);
    expect(natsRows.length).toBeGreaterThan(500);
    expect(withoutOffsets(natsRows)).toEqual(withoutOffsets(segmentRows));
  });
});
