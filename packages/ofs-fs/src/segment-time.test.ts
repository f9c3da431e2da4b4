import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOfsError, type ReplayRecord } from '@ofs/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentFileSource, readSegmentIndex } from './segment-file-source.js';
import { writeSegmentFiles } from './segment-file-writer.js';
import { partitionDir } from './segment-layout.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-seg-time-'));
  dirs.push(dir);
  return dir;
}

const T = 'fp.bus.traffic.fraud.v1';
const K = 'kafka_offset';
const rec = (offset: number, ts: string, partition = 0): ReplayRecord => ({
  topic: T,
  partition,
  offset_kind: K,
  offset: String(offset),
  event_id: `ev_${offset}`,
  ts_utc: ts,
  payload: { n: offset },
  payload_hash: '0'.repeat(64),
});

describe('segment index time ranges (min_ts_utc, max_ts_utc, ts_ordered)', () => {
  it('records each segment’s earliest and latest ts_utc as canonical instants, and whether it is time-ordered', async () => {
    const root = await tempDir();
    const records = [
      // segment 0: ordered, zones and fraction lengths mixed (07.5Z sorts before 07Z as a string, not as an instant)
      rec(0, '2026-02-10T10:00:07Z'),
      rec(1, '2026-02-10T12:00:07.5+02:00'),
      rec(2, '2026-02-10T10:00:09.250Z'),
      // segment 1: one record earlier than the one before it
      rec(3, '2026-02-10T10:05:00Z'),
      rec(4, '2026-02-10T10:04:59.999999Z'),
      rec(5, '2026-02-10T10:06:00Z'),
      // segment 2: equal instants count as ordered
      rec(6, '2026-02-10T10:07:00Z'),
      rec(7, '2026-02-10T10:07:00.000Z'),
    ];
    await writeSegmentFiles({ root, records, segmentRecords: 3 });
    const index = await readSegmentIndex(root, T, 0, K);
    expect(index?.segments.map(({ min_ts_utc, max_ts_utc, ts_ordered }) => ({ min_ts_utc, max_ts_utc, ts_ordered }))).toEqual([
      { min_ts_utc: '2026-02-10T10:00:07Z', max_ts_utc: '2026-02-10T10:00:09.25Z', ts_ordered: true },
      { min_ts_utc: '2026-02-10T10:04:59.999999Z', max_ts_utc: '2026-02-10T10:06:00Z', ts_ordered: false },
      { min_ts_utc: '2026-02-10T10:07:00Z', max_ts_utc: '2026-02-10T10:07:00Z', ts_ordered: true },
    ]);
  });

  it('declares no time range for a segment with a ts_utc that is not an instant (and keeps the others)', async () => {
    const root = await tempDir();
    await writeSegmentFiles({
      root,
      records: [rec(0, '2026-02-10T10:00:00Z'), rec(1, 'yesterday'), rec(2, '2026-02-10T10:00:00Z'), rec(3, '2026-02-10T10:00:01Z')],
      segmentRecords: 2,
    });
    const [first, second] = (await readSegmentIndex(root, T, 0, K))!.segments;
    expect(Object.keys(first!)).toEqual(['file', 'first_offset', 'last_offset', 'records']);
    expect(second).toMatchObject({ min_ts_utc: '2026-02-10T10:00:00Z', max_ts_utc: '2026-02-10T10:00:01Z', ts_ordered: true });
  });

  it('writes the same index bytes for the same records, interleaved with another partition in any order', async () => {
    const p0 = Array.from({ length: 40 }, (_, i) => rec(i, `2026-02-10T10:00:${String((i * 7) % 60).padStart(2, '0')}Z`));
    const p1 = Array.from({ length: 40 }, (_, i) => rec(i, `2026-02-10T11:00:${String(i).padStart(2, '0')}Z`, 1));
    const bytes: string[] = [];
    for (const seed of [1, 2, 3]) {
      // Interleave the two partitions differently each time (each stays in offset order).
      const merged: ReplayRecord[] = [];
      let a = 0;
      let b = 0;
      let x = seed;
      while (a < p0.length || b < p1.length) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        if (b >= p1.length || (a < p0.length && x % 2 === 0)) merged.push(p0[a++]!);
        else merged.push(p1[b++]!);
      }
      const root = await tempDir();
      await writeSegmentFiles({ root, records: merged, segmentRecords: 16 });
      bytes.push(await readFile(join(partitionDir(root, T, 0, K), 'index.json'), 'utf8'));
    }
    expect(new Set(bytes).size).toBe(1);
    expect(JSON.parse(bytes[0]!).segments[0]).toMatchObject({ ts_ordered: false });
  });

  it('readSegmentIndex: undefined for an absent partition, BASIS_UNRESOLVED for a hostile one', async () => {
    const root = await tempDir();
    expect(await readSegmentIndex(root, T, 0, K)).toBeUndefined();
    await expect(readSegmentIndex(root, T, '../x' as unknown as number, K)).rejects.toSatisfy((e: unknown) =>
      isOfsError(e, 'BASIS_UNRESOLVED'),
    );
  });

  it('an index with malformed time fields is ARTIFACT_CORRUPT', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [rec(0, '2026-02-10T10:00:00Z'), rec(1, '2026-02-10T10:00:05Z')] });
    const file = join(partitionDir(root, T, 0, K), 'index.json');
    const index = JSON.parse(await readFile(file, 'utf8'));
    const segment = index.segments[0];
    const slice = { topic: T, partition: 0, offset_kind: K, start_offset: '0', end_offset: '9' };
    for (const bad of [
      { ...segment, min_ts_utc: segment.max_ts_utc, max_ts_utc: segment.min_ts_utc },
      { ...segment, ts_ordered: 'yes' },
      { ...segment, min_ts_utc: undefined },
      { ...segment, max_ts_utc: 'later' },
    ]) {
      await unlink(file);
      await writeFile(file, JSON.stringify({ ...index, segments: [bad] }));
      expect(
        await createSegmentFileSource({ root })
          .coverage(slice)
          .then(
            () => 'OK',
            (e: unknown) => (isOfsError(e) ? e.code : 'raw'),
          ),
      ).toBe('ARTIFACT_CORRUPT');
    }
  });
});
