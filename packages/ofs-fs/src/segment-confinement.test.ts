import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isOfsError, type ReplayRecord } from '@ofs/contracts';
import { sampleReplayRecord } from '@ofs/contracts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentFileSource } from './segment-file-source.js';
import { writeSegmentFiles } from './segment-file-writer.js';
import { partitionDir } from './segment-layout.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-seg-conf-'));
  dirs.push(dir);
  return dir;
}
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isDirectory()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}
async function drain(
  source: ReturnType<typeof createSegmentFileSource>,
  slice: Parameters<ReturnType<typeof createSegmentFileSource>['read']>[0],
) {
  const out: ReplayRecord[] = [];
  for await (const r of source.read(slice, { start: slice.start_offset, end: slice.end_offset })) out.push(r);
  return out;
}

const T = 'fp.bus.traffic.fraud.v1';
/** Partitions that are not non-negative safe integers (typed loosely on purpose: JS callers). */
const HOSTILE_PARTITIONS: unknown[] = ['../../../../outside', '../x', 1.5, -1, '0', '1', Number.NaN, 2 ** 53, null, {}, [0]];

describe('segment files stay below their root', () => {
  it('writeSegmentFiles refuses every hostile partition and writes nothing anywhere', async () => {
    const parent = await tempDir();
    const root = join(parent, 'eb', 'nested');
    await mkdir(root, { recursive: true });
    for (const partition of HOSTILE_PARTITIONS) {
      const good = await sampleReplayRecord(T, 0, 'kafka_offset', '0');
      const bad = { ...good, partition } as unknown as ReplayRecord;
      expect([partition, await codeOf(writeSegmentFiles({ root, records: [bad] }))]).toEqual([partition, 'REPLAY_RECORD_INVALID']);
      // A good partition first does not let a look-alike ("0" after 0) share its directory.
      const root2 = await tempDir();
      expect(await codeOf(writeSegmentFiles({ root: root2, records: [good, { ...bad, offset: '1' }] }))).toBe('REPLAY_RECORD_INVALID');
    }
    expect(await filesUnder(parent)).toEqual([]);
  });

  it('writeSegmentFiles refuses topics and offset kinds that are not non-empty well-formed strings', async () => {
    const root = await tempDir();
    const good = await sampleReplayRecord(T, 0, 'kafka_offset', '0');
    for (const patch of [{ topic: '' }, { topic: '\ud800' }, { topic: 7 }, { offset_kind: '' }, { offset_kind: null }]) {
      expect(await codeOf(writeSegmentFiles({ root, records: [{ ...good, ...patch } as unknown as ReplayRecord] }))).toBe(
        'REPLAY_RECORD_INVALID',
      );
    }
    expect(await filesUnder(root)).toEqual([]);
  });

  it('createSegmentFileSource refuses hostile partitions in a slice, for coverage and read', async () => {
    const parent = await tempDir();
    // A planted partition outside the root that a traversal would reach.
    const outside = join(parent, 'outside');
    await writeSegmentFiles({ root: outside, records: [await sampleReplayRecord(T, 0, 'kafka_offset', '0')] });
    const root = join(parent, 'root');
    await mkdir(root);
    const source = createSegmentFileSource({ root });
    for (const partition of HOSTILE_PARTITIONS) {
      const slice = { topic: T, partition, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '10' } as never;
      expect([partition, await codeOf(source.coverage(slice))]).toEqual([partition, 'BASIS_UNRESOLVED']);
      expect([partition, await codeOf(drain(source, slice))]).toEqual([partition, 'BASIS_UNRESOLVED']);
    }
  });

  it('partitionDir yields exactly three segments below the root', () => {
    const dir = partitionDir('/r', '..', 0, '..');
    expect(relative('/r', dir).split('/')).toEqual(['topic=..', 'partition=0', 'offset_kind=..']);
    expect(() => partitionDir('/r', 'a/../../b', 0, 'k')).not.toThrow();
    expect(relative('/r', partitionDir('/r', 'a/../../b', 0, 'k')).split('/')[0]).toBe('topic=a%2F..%2F..%2Fb');
  });

  it('refuses a FIFO planted as a segment or an index at once, without waiting for a writer', async () => {
    const root = await tempDir();
    const records = [];
    for (let o = 0; o < 10; o++) records.push(await sampleReplayRecord(T, 0, 'kafka_offset', String(o)));
    await writeSegmentFiles({ root, records, segmentRecords: 5 });
    const dir = partitionDir(root, T, 0, 'kafka_offset');
    await unlink(join(dir, 'segment-000001.jsonl'));
    execFileSync('mkfifo', [join(dir, 'segment-000001.jsonl')]);
    const slice = { topic: T, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '9' };
    expect(await codeOf(drain(createSegmentFileSource({ root }), slice))).toBe('OBJECT_NOT_REGULAR_FILE');
    await unlink(join(dir, 'index.json'));
    execFileSync('mkfifo', [join(dir, 'index.json')]);
    expect(await codeOf(createSegmentFileSource({ root }).coverage(slice))).toBe('OBJECT_NOT_REGULAR_FILE');
  });
});
