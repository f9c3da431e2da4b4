import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryObjectStore, isOfsError, type ObjectStore, type ReplayRecord } from '@ofs/contracts';
import { describeReplaySourceContract, sampleReplayRecord } from '@ofs/contracts/testing';
import { createFsObjectStore } from '@ofs/fs';
import { canonicalJson, envelopeHash } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeArchiveRecord } from './archive-record.js';
import { createArchiveSource } from './archive-source.js';
import { archiveRecordKey, archiveToken } from './layout.js';
import { writeArchiveRecords } from './write-archive.js';

const RUN = 'platform_20260210T113700Z';
const context = {
  platform_run_id: RUN,
  scenario_run_id: 'a'.repeat(32),
  scenario_id: 'baseline_v1',
  parameter_hash: 'b'.repeat(64),
  manifest_fingerprint: 'c'.repeat(64),
  archived_at_utc: '2026-02-10T12:00:00Z',
};
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The records with the envelope hash as their payload_hash (what the archive writer records). */
const hashed = (records: readonly ReplayRecord[]) =>
  records.map((r) => ({
    ...r,
    payload_hash: envelopeHash({ event_id: r.event_id, ts_utc: r.ts_utc, payload: r.payload as Record<string, unknown> }),
  }));

function seededWith(store: ObjectStore, verifyHashes: boolean) {
  return async (given: readonly ReplayRecord[]) => {
    const records = hashed(given);
    await writeArchiveRecords({ store, context, records });
    return {
      source: createArchiveSource({ store, platformRunId: RUN, verifyHashes, batchSize: 7 }),
      records,
      coverage: 'exact' as const,
      remove: async (r: ReplayRecord) => store.delete?.(archiveRecordKey(RUN, r.topic, r.partition, r.offset_kind, r.offset)),
    };
  };
}

describeReplaySourceContract('archive layout on the memory store', (given) => seededWith(createMemoryObjectStore(), false)(given));
describeReplaySourceContract('archive layout on the fs store (verifyHashes)', async (given) => {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-archive-'));
  dirs.push(dir);
  return seededWith(createFsObjectStore({ root: dir }), true)(given);
});

const T = 'fp.bus.traffic.fraud.v1';
const slice = (start: string, end: string) => ({
  topic: T,
  partition: 0,
  offset_kind: 'kafka_offset',
  start_offset: start,
  end_offset: end,
});
async function collect(source: ReturnType<typeof createArchiveSource>, start: string, end: string): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const r of source.read(slice(start, end), { start, end })) out.push(r);
  return out;
}
async function archived(offsets: readonly number[]) {
  const store = createMemoryObjectStore();
  const records = hashed(await Promise.all(offsets.map((o) => sampleReplayRecord(T, 0, 'kafka_offset', String(o)))));
  await writeArchiveRecords({ store, context, records });
  return { store, records };
}

describe('createArchiveSource', () => {
  it('orders offsets numerically though the store lists keys lexicographically', async () => {
    const offsets = [8, 9, 10, 11, 99, 100, 101, 1000];
    const { store, records } = await archived([...offsets].reverse());
    const listed: string[] = [];
    for await (const k of store.list(`${RUN}/archive/`)) listed.push(k.slice(k.lastIndexOf('/') + 1));
    expect(listed.slice(0, 3)).toEqual(['offset=10.json', 'offset=100.json', 'offset=1000.json']);
    const source = createArchiveSource({ store, platformRunId: RUN, batchSize: 3 });
    expect(await source.coverage(slice('0', '5000'))).toEqual([
      { start: '8', end: '11' },
      { start: '99', end: '101' },
      { start: '1000', end: '1000' },
    ]);
    expect((await collect(source, '0', '5000')).map((r) => r.offset)).toEqual(offsets.map(String));
    expect(await collect(source, '0', '5000')).toEqual([...records].reverse());
  });

  it('claims exactly the listed offsets: stray objects and other runs prove nothing', async () => {
    const { store } = await archived([5, 6, 7]);
    const prefix = `${RUN}/archive/events/topic=${archiveToken(T)}/partition=0/offset_kind=kafka_offset/`;
    const enc = new TextEncoder();
    await store.putIfAbsent(`${prefix}junk.tmp`, enc.encode('{}'));
    await store.putIfAbsent(`${prefix}offset=08.json`, enc.encode('{}'));
    await store.putIfAbsent(`${prefix}nested/offset=9.json`, enc.encode('{}'));
    await store.putIfAbsent(
      `platform_other/archive/events/topic=${archiveToken(T)}/partition=0/offset_kind=kafka_offset/offset=8.json`,
      enc.encode('{}'),
    );
    const source = createArchiveSource({ store, platformRunId: RUN });
    expect(await source.coverage(slice('0', '100'))).toEqual([{ start: '5', end: '7' }]);
    expect((await collect(source, '0', '100')).map((r) => r.offset)).toEqual(['5', '6', '7']);
  });

  it('refuses an object whose origin_offset is not the position its key names, or that is not a record', async () => {
    const store = createMemoryObjectStore();
    const r = hashed([await sampleReplayRecord(T, 0, 'kafka_offset', '3')])[0]!;
    await store.putIfAbsent(archiveRecordKey(RUN, T, 0, 'kafka_offset', '4'), encodeArchiveRecord(r, context));
    const source = createArchiveSource({ store, platformRunId: RUN });
    await expect(collect(source, '0', '10')).rejects.toSatisfy(
      (e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID') && String(e.details.key).endsWith('offset=4.json'),
    );
    const other = createMemoryObjectStore();
    await other.putIfAbsent(archiveRecordKey(RUN, T, 0, 'kafka_offset', '1'), new TextEncoder().encode('not json'));
    await expect(collect(createArchiveSource({ store: other, platformRunId: RUN }), '0', '10')).rejects.toSatisfy((e: unknown) =>
      isOfsError(e, 'REPLAY_RECORD_INVALID'),
    );
  });

  it('with verifyHashes, refuses a record whose envelope was changed after archiving', async () => {
    const store = createMemoryObjectStore();
    const r = hashed([await sampleReplayRecord(T, 0, 'kafka_offset', '1')])[0]!;
    const body = JSON.parse(new TextDecoder().decode(encodeArchiveRecord(r, context)));
    body.envelope.payload.amount = 999_999;
    await store.putIfAbsent(archiveRecordKey(RUN, T, 0, 'kafka_offset', '1'), new TextEncoder().encode(canonicalJson(body)));
    expect(await collect(createArchiveSource({ store, platformRunId: RUN }), '0', '10')).toHaveLength(1);
    await expect(collect(createArchiveSource({ store, platformRunId: RUN, verifyHashes: true }), '0', '10')).rejects.toSatisfy(
      (e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID'),
    );
  });

  it('keeps further envelope fields and their hash round-trips through the archive', async () => {
    const store = createMemoryObjectStore();
    const base = await sampleReplayRecord(T, 0, 'kafka_offset', '1');
    const envelope = { event_type: 'txn', manifest_fingerprint: 'd'.repeat(64) };
    const r: ReplayRecord = {
      ...base,
      envelope,
      payload_hash: envelopeHash({
        event_id: base.event_id,
        ts_utc: base.ts_utc,
        payload: base.payload as Record<string, unknown>,
        envelope,
      }),
    };
    await writeArchiveRecords({ store, context, records: [r] });
    const got = await collect(createArchiveSource({ store, platformRunId: RUN, verifyHashes: true }), '0', '10');
    expect(got).toEqual([r]);
  });

  it('is write-once: a second record at an archived offset keeps the first', async () => {
    const { store, records } = await archived([1]);
    const other = { ...records[0]!, event_id: 'evt-other' };
    expect(await writeArchiveRecords({ store, context, records: [other] })).toEqual({ created: 0, existing: 1 });
    expect((await collect(createArchiveSource({ store, platformRunId: RUN }), '0', '10'))[0]!.event_id).toBe(records[0]!.event_id);
  });

  it('tokenizes path parts as the reference writer does', () => {
    expect(archiveToken('  fp bus/x*y  ')).toBe('fp_bus_x_y');
    expect(archiveToken('')).toBe('_');
    expect(archiveRecordKey(RUN, 'fp.bus.traffic.fraud.v1', 3, 'kafka_offset', '42')).toBe(
      `${RUN}/archive/events/topic=fp.bus.traffic.fraud.v1/partition=3/offset_kind=kafka_offset/offset=42.json`,
    );
  });
});
