import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOfsError, type ReplayRecord } from '@ofs/contracts';
import { ENVELOPE_HASH_RECIPE, envelopeHash } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentFileSource, DEFAULT_MAX_RECORD_BYTES, type SegmentFileSourceOptions } from './segment-file-source.js';
import { writeSegmentFiles } from './segment-file-writer.js';
import { partitionDir, SEGMENT_INDEX_SCHEMA_VERSION, SEGMENT_INDEX_SCHEMA_VERSION_V1 } from './segment-layout.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-seg-env-'));
  dirs.push(dir);
  return dir;
}

const T = 'fp.bus.traffic.fraud.v1';
const K = 'kafka_offset';
const slice = { topic: T, partition: 0, offset_kind: K, start_offset: '0', end_offset: '1000' };

function record(offset: number, extra: Partial<ReplayRecord> = {}): ReplayRecord {
  const base = {
    topic: T,
    partition: 0,
    offset_kind: K,
    offset: String(offset),
    event_id: `ev_${offset.toString(16).padStart(8, '0')}`,
    ts_utc: `2026-02-10T10:${String(offset % 60).padStart(2, '0')}:07.123456Z`,
    payload: { amount: '12.50', card_id: `c${offset % 7}`, n: offset, ok: true },
    ...extra,
  };
  return { ...base, payload_hash: envelopeHash(base) } as ReplayRecord;
}

async function read(options: SegmentFileSourceOptions, s = slice): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const r of createSegmentFileSource(options).read(s, { start: s.start_offset, end: s.end_offset })) out.push(r);
  return out;
}
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}
/** Replaces a (write-once) file's content, as an attacker or a bad disk would. */
async function overwrite(path: string, text: string): Promise<void> {
  await unlink(path);
  await writeFile(path, text);
}

describe('segment files carry what the envelope hash covers (ofs.segment_index.v2)', () => {
  it('writes a v2 index naming the recipe, and lines keeping event_id, ts_utc, envelope and payload', async () => {
    const root = await tempDir();
    const withEnvelope = record(1, { envelope: { event_type: 'auth', manifest_fingerprint: 'f'.repeat(64) } });
    await writeSegmentFiles({ root, records: [record(0), withEnvelope] });
    const dir = partitionDir(root, T, 0, K);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    expect(index.schema_version).toBe(SEGMENT_INDEX_SCHEMA_VERSION);
    expect(index.hash_recipe).toBe(ENVELOPE_HASH_RECIPE);
    const lines = (await readFile(join(dir, 'segment-000000.jsonl'), 'utf8')).trim().split('\n');
    expect(Object.keys(JSON.parse(lines[1]!))).toEqual(['offset', 'event_id', 'ts_utc', 'payload_hash', 'envelope', 'payload']);
    const got = await read({ root, verifyHashes: true });
    expect(got).toEqual([record(0), withEnvelope]);
    expect(envelopeHash(got[1]!)).toBe(withEnvelope.payload_hash);
  });

  it('catches one flipped digit of ts_utc with verifyHashes (and passes it through without)', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [record(0), record(1), record(2)] });
    const file = join(partitionDir(root, T, 0, K), 'segment-000000.jsonl');
    const text = await readFile(file, 'utf8');
    const flipped = text.replace('"ts_utc":"2026-02-10T10:01:07', '"ts_utc":"2026-02-10T10:01:08');
    expect(flipped).not.toBe(text);
    await overwrite(file, flipped);
    // Unverified, the flipped timestamp reaches the corridor (and its rows) unnoticed…
    expect((await read({ root }))[1]!.ts_utc).toBe('2026-02-10T10:01:08.123456Z');
    // …verified, it is refused naming the line.
    try {
      await read({ root, verifyHashes: true });
      expect.unreachable();
    } catch (error) {
      expect(isOfsError(error, 'REPLAY_RECORD_INVALID')).toBe(true);
      expect((error as { details: { line: number } }).details.line).toBe(2);
    }
  });

  it('catches a flipped byte anywhere in a line but its offset (the transport position, never hashed)', async () => {
    const root = await tempDir();
    const target = record(5, { envelope: { event_type: 'auth', schema: 3 } });
    await writeSegmentFiles({ root, records: [target] });
    const file = join(partitionDir(root, T, 0, K), 'segment-000000.jsonl');
    const line = (await readFile(file, 'utf8')).trimEnd();
    const offsetSpan = [line.indexOf('"5"'), line.indexOf('"5"') + 3];
    const flip = (ch: string) =>
      /[0-8]/.test(ch)
        ? String(Number(ch) + 1)
        : ch === '9'
          ? '0'
          : /[a-y]/i.test(ch)
            ? String.fromCharCode(ch.charCodeAt(0) + 1)
            : ch === 'z'
              ? 'a'
              : 'x';
    let checked = 0;
    for (let i = 0; i < line.length; i++) {
      if (i >= offsetSpan[0]! && i < offsetSpan[1]!) continue;
      await overwrite(file, `${line.slice(0, i)}${flip(line[i]!)}${line.slice(i + 1)}\n`);
      const outcome = await codeOf(read({ root, verifyHashes: true }));
      expect([i, line[i], outcome]).toEqual([i, line[i], 'REPLAY_RECORD_INVALID']);
      checked++;
    }
    expect(checked).toBeGreaterThan(150);
    await overwrite(file, `${line}\n`);
    expect(await read({ root, verifyHashes: true })).toEqual([target]);
  });

  it('reads a v1 index (payload-only lines) without verifyHashes, and refuses it with verifyHashes', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [record(0), record(1)] });
    const indexFile = join(partitionDir(root, T, 0, K), 'index.json');
    const { hash_recipe: _recipe, ...index } = JSON.parse(await readFile(indexFile, 'utf8'));
    await overwrite(indexFile, JSON.stringify({ ...index, schema_version: SEGMENT_INDEX_SCHEMA_VERSION_V1 }));
    expect(await read({ root })).toEqual([record(0), record(1)]);
    expect(await codeOf(read({ root, verifyHashes: true }))).toBe('REPLAY_HASH_UNVERIFIABLE');
    expect(await codeOf(createSegmentFileSource({ root, verifyHashes: true }).coverage(slice))).toBe('REPLAY_HASH_UNVERIFIABLE');
    // A recipe this source does not know is refused the same way.
    await overwrite(
      indexFile,
      JSON.stringify({ ...index, schema_version: SEGMENT_INDEX_SCHEMA_VERSION, hash_recipe: 'ofs.envelope_hash.v9' }),
    );
    expect(await codeOf(read({ root, verifyHashes: true }))).toBe('REPLAY_HASH_UNVERIFIABLE');
    expect(await read({ root })).toHaveLength(2);
  });

  it('refuses lines whose fields have the wrong types (REPLAY_RECORD_INVALID), never a raw error', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [record(0)] });
    const file = join(partitionDir(root, T, 0, K), 'segment-000000.jsonl');
    const good = JSON.parse(await readFile(file, 'utf8'));
    for (const patch of [
      { event_id: 7 },
      { ts_utc: null },
      { payload_hash: {} },
      { payload: [1] },
      { payload: 'x' },
      { envelope: 'x' },
      { envelope: null },
    ]) {
      await overwrite(file, `${JSON.stringify({ ...good, ...patch })}\n`);
      expect([patch, await codeOf(read({ root }))]).toEqual([patch, 'REPLAY_RECORD_INVALID']);
    }
  });

  it('a 100k-deep payload with verifyHashes is VALUE_DEPTH_EXCEEDED, not a RangeError', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [record(0)] });
    const file = join(partitionDir(root, T, 0, K), 'segment-000000.jsonl');
    const deep = `${'{"v":'.repeat(100_000)}0${'}'.repeat(100_000)}`;
    await overwrite(file, `{"offset":"0","event_id":"e","ts_utc":"t","payload_hash":"${'0'.repeat(64)}","payload":${deep}}\n`);
    expect(await codeOf(read({ root, verifyHashes: true }))).toBe('VALUE_DEPTH_EXCEEDED');
  });
});

describe('maxRecordBytes bounds a line', () => {
  it('reads a line of exactly maxRecordBytes and refuses one byte more (REPLAY_RECORD_TOO_LARGE)', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [record(0), record(1)] });
    const file = join(partitionDir(root, T, 0, K), 'segment-000000.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const longest = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    expect(await read({ root, maxRecordBytes: longest })).toHaveLength(2);
    try {
      await read({ root, maxRecordBytes: longest - 1 });
      expect.unreachable();
    } catch (error) {
      expect(isOfsError(error, 'REPLAY_RECORD_TOO_LARGE')).toBe(true);
      expect((error as { details: { limit: number } }).details.limit).toBe(longest - 1);
    }
  });

  it('refuses a 256 MiB line without a newline after buffering at most about maxRecordBytes', async () => {
    const root = await tempDir();
    await writeSegmentFiles({ root, records: [record(0)] });
    const file = join(partitionDir(root, T, 0, K), 'segment-000000.jsonl');
    await unlink(file);
    // A sparse file: 256 MiB of zero bytes, no newline, nothing allocated on disk.
    execFileSync('truncate', ['-s', String(256 * 1024 * 1024), file]);
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
    try {
      expect(await codeOf(read({ root }))).toBe('REPLAY_RECORD_TOO_LARGE');
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    // Buffers grew to about the limit (16 MiB plus one read chunk, twice while copying), never to the line.
    expect(peak - before).toBeLessThan(4 * DEFAULT_MAX_RECORD_BYTES);
  });

  it('rejects a maxRecordBytes that is not a whole number ≥ 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createSegmentFileSource({ root: '/nonexistent', maxRecordBytes: bad })).toThrow(
        expect.toSatisfy((e: unknown) => isOfsError(e, 'SCHEMA_INVALID')),
      );
    }
  });
});
