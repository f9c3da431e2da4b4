import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOfsError, type ReplayRecord } from '@ofs/contracts';
import { envelopeHash } from '@ofs/ids';
import { describeReplaySourceContract, sampleReplayRecord } from '@ofs/contracts/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentFileSource } from './segment-file-source.js';
import { writeSegmentFiles } from './segment-file-writer.js';
import { partitionDir } from './segment-layout.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-seg-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describeReplaySourceContract('segment files', async (records) => {
  const root = await tempDir();
  await writeSegmentFiles({ root, records, segmentRecords: 7 });
  return createSegmentFileSource({ root });
});

describeReplaySourceContract('segment files (verifyHashes)', async (records) => {
  const root = await tempDir();
  await writeSegmentFiles({ root, records, segmentRecords: 1000 });
  return createSegmentFileSource({ root, verifyHashes: true });
});

const T = 'fp.bus.traffic.fraud.v1';
const slice = { topic: T, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '1000' };
async function collect(source: ReturnType<typeof createSegmentFileSource>, start: string, end: string) {
  const out: ReplayRecord[] = [];
  for await (const r of source.read(slice, { start, end })) out.push(r);
  return out;
}
async function seeded(segmentRecords: number) {
  const records: ReplayRecord[] = [];
  for (let o = 0; o < 100; o++) records.push(await sampleReplayRecord(T, 0, 'kafka_offset', String(o)));
  const root = await tempDir();
  await writeSegmentFiles({ root, records, segmentRecords });
  return { root, records };
}

describe('createSegmentFileSource', () => {
  it('opens only the segments a range needs', async () => {
    const { root, records } = await seeded(10);
    const dir = partitionDir(root, T, 0, 'kafka_offset');
    // Delete every segment but the ones holding 35..52: a read that touched them would fail.
    for (let n = 0; n < 10; n++) if (n < 3 || n > 5) await unlink(join(dir, `segment-${String(n).padStart(6, '0')}.jsonl`));
    const source = createSegmentFileSource({ root });
    expect((await collect(source, '35', '52')).map((r) => r.offset)).toEqual(records.slice(35, 53).map((r) => r.offset));
    await expect(collect(source, '0', '52')).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_SOURCE_UNAVAILABLE'));
  });

  it('streams segments larger than its read buffer, multi-byte characters included', async () => {
    const records: ReplayRecord[] = [];
    for (let o = 0; o < 300; o++) {
      const r = await sampleReplayRecord(T, 0, 'kafka_offset', String(o), { amount: o, note: `é€😀 ${o} ${'x'.repeat(3000 + (o % 7))}` });
      records.push({ ...r, payload_hash: envelopeHash(r) });
    }
    const root = await tempDir();
    await writeSegmentFiles({ root, records, segmentRecords: 1000 });
    const got = await collect(createSegmentFileSource({ root, verifyHashes: true }), '0', '1000');
    expect(got).toEqual(records);
  });

  it('answers the coverage the writer declared, clipped to the slice', async () => {
    const root = await tempDir();
    const records = [await sampleReplayRecord(T, 0, 'kafka_offset', '100'), await sampleReplayRecord(T, 0, 'kafka_offset', '102')];
    await writeSegmentFiles({ root, records, coverage: () => [{ start: '90', end: '110' }] });
    const source = createSegmentFileSource({ root });
    expect(await source.coverage({ ...slice, start_offset: '95', end_offset: '200' })).toEqual([{ start: '95', end: '110' }]);
  });

  it('fails REPLAY_RECORD_INVALID on a tampered payload when verifying hashes, and not otherwise', async () => {
    const { root } = await seeded(50);
    const dir = partitionDir(root, T, 0, 'kafka_offset');
    const file = join(dir, 'segment-000000.jsonl');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    await unlink(file);
    await writeFile(file, text.replace('"note":"event 3"', '"note":"event X"'));
    expect(await collect(createSegmentFileSource({ root }), '0', '10')).toHaveLength(11);
    await expect(collect(createSegmentFileSource({ root, verifyHashes: true }), '0', '10')).rejects.toSatisfy((e: unknown) =>
      isOfsError(e, 'REPLAY_RECORD_INVALID'),
    );
  });

  it('reports a corrupt index as ARTIFACT_CORRUPT', async () => {
    const { root } = await seeded(50);
    const index = join(partitionDir(root, T, 0, 'kafka_offset'), 'index.json');
    await unlink(index);
    await writeFile(index, '{"schema_version":');
    await expect(createSegmentFileSource({ root }).coverage(slice)).rejects.toSatisfy((e: unknown) => isOfsError(e, 'ARTIFACT_CORRUPT'));
  });
});

describe('writeSegmentFiles', () => {
  it('refuses records out of order within a partition, and rewriting a partition', async () => {
    const root = await tempDir();
    const a = await sampleReplayRecord(T, 0, 'kafka_offset', '5');
    const b = await sampleReplayRecord(T, 0, 'kafka_offset', '4');
    await expect(writeSegmentFiles({ root, records: [a, b] })).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID'));
    const root2 = await tempDir();
    await writeSegmentFiles({ root: root2, records: [b, a] });
    await expect(writeSegmentFiles({ root: root2, records: [b, a] })).rejects.toSatisfy((e: unknown) =>
      isOfsError(e, 'ARTIFACT_IMMUTABILITY_VIOLATION'),
    );
  });

  it('streams partitions that interleave and reports what it wrote', async () => {
    const root = await tempDir();
    const records: ReplayRecord[] = [];
    for (let o = 0; o < 25; o++) for (const p of [0, 1]) records.push(await sampleReplayRecord(T, p, 'kafka_offset', String(o)));
    async function* stream() {
      yield* records;
    }
    const written = await writeSegmentFiles({ root, records: stream(), segmentRecords: 10 });
    expect(written.map((w) => [w.partition, w.records, w.segments, w.coverage])).toEqual([
      [0, 25, 3, [{ start: '0', end: '24' }]],
      [1, 25, 3, [{ start: '0', end: '24' }]],
    ]);
    const source = createSegmentFileSource({ root });
    const got: ReplayRecord[] = [];
    for await (const r of source.read({ ...slice, partition: 1 }, { start: '0', end: '24' })) got.push(r);
    expect(got).toEqual(records.filter((r) => r.partition === 1));
  });

  it('reads back exactly the records written (same fields, same key order), whatever the strings hold', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 20, unit: fc.constantFrom('"', '\\', '\n', '\u0001', 'é', '\ud83d', '\u2028', 'a') }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            event_id: text,
            ts_utc: text,
            payload: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(text, text)),
            payload_hash: text,
          }),
          {
            maxLength: 30,
          },
        ),
        async (rows) => {
          const records: ReplayRecord[] = rows.map((r, o) => ({
            topic: T,
            partition: 0,
            offset_kind: 'kafka_offset',
            offset: String(o),
            ...r,
          }));
          const root = await tempDir();
          await writeSegmentFiles({ root, records, segmentRecords: 4 });
          const read = await collect(createSegmentFileSource({ root }), '0', '1000');
          expect(read.map((r) => JSON.stringify(r))).toEqual(records.map((r) => JSON.stringify(r)));
          await rm(root, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });
});
