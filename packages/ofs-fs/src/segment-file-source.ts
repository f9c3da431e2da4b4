import { constants } from 'node:fs';
import { type FileHandle, open, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type AbortOptions,
  compareDecimal,
  isCanonicalDecimal,
  type OffsetRange,
  OfsError,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
  type TimeIndexChunk,
  type TimePartition,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { ENVELOPE_HASH_RECIPE, envelopeHash } from '@ofs/ids';
import {
  INDEX_FILE,
  partitionDir,
  SEGMENT_INDEX_SCHEMA_VERSION,
  SEGMENT_INDEX_SCHEMA_VERSION_V1,
  type SegmentIndex,
} from './segment-layout.js';
import { isSegmentTimeRange } from './segment-time.js';
import { parsePlainSegmentLine, type SegmentRow } from './segment-line.js';

/** Options of `createSegmentFileSource`. */
export interface SegmentFileSourceOptions {
  /** Directory written by `writeSegmentFiles` (one per source: EB and Archive each have their own). */
  root: string;
  /**
   * Recompute every record's `payload_hash` with the recipe its index names
   * (`ofs.envelope_hash.v1`: the whole envelope — `event_id`, `ts_utc`, `payload` and the optional
   * `envelope` fields) and fail with `REPLAY_RECORD_INVALID` on a difference, so a flipped byte
   * anywhere in a record that reaches a row is caught. A v1 index (payload-only lines, no recipe)
   * cannot be verified: `REPLAY_HASH_UNVERIFIABLE`. Default `false`: the corridor compares the
   * recorded hashes across sources; verifying costs a canonical encoding and a hash per record.
   */
  verifyHashes?: boolean;
  /**
   * Largest line (record) accepted, in bytes (default `DEFAULT_MAX_RECORD_BYTES`, 16 MiB). A longer
   * line is `REPLAY_RECORD_TOO_LARGE` as soon as that many bytes are buffered: memory stays bounded
   * by about twice this, whatever the file holds.
   */
  maxRecordBytes?: number;
}

/** Default `maxRecordBytes` of `createSegmentFileSource`: 16 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Records per `readBatches` batch. */
const BATCH = 1024;
/** Bytes read from a segment file at a time. */
const CHUNK_BYTES = 256 * 1024;

const codeOf = (error: unknown): string | undefined => (error as { code?: string } | null)?.code;

function unavailable(error: unknown, what: string): OfsError {
  return new OfsError('REPLAY_SOURCE_UNAVAILABLE', {
    message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

/**
 * Opens `path` for reading without blocking (a FIFO planted in place of a segment or index would
 * otherwise wait for a writer forever) and refuses anything but a regular file with
 * `OBJECT_NOT_REGULAR_FILE`. A missing file is `undefined` when `missingOk`.
 */
async function openRegular(path: string, what: string, missingOk: boolean): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = codeOf(error);
    if (missingOk && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') throw notRegular(what);
    throw unavailable(error, `opening ${what}`);
  }
  let regular: boolean;
  try {
    regular = (await handle.stat()).isFile();
  } catch (error) {
    await handle.close().catch(() => {});
    throw unavailable(error, `inspecting ${what}`);
  }
  if (!regular) {
    await handle.close().catch(() => {});
    throw notRegular(what);
  }
  return handle;
}

function notRegular(what: string): OfsError {
  return new OfsError('OBJECT_NOT_REGULAR_FILE', { message: `${what} is not a regular file; it is refused unread`, details: { what } });
}

function isIndex(value: unknown): value is SegmentIndex {
  const v = value as SegmentIndex | null;
  const range = (r: OffsetRange) => isCanonicalDecimal(r?.start) && isCanonicalDecimal(r?.end);
  return (
    typeof v === 'object' &&
    v !== null &&
    (v.schema_version === SEGMENT_INDEX_SCHEMA_VERSION_V1 ||
      (v.schema_version === SEGMENT_INDEX_SCHEMA_VERSION && typeof v.hash_recipe === 'string')) &&
    Array.isArray(v.coverage) &&
    v.coverage.every(range) &&
    Array.isArray(v.segments) &&
    v.segments.every(
      (s) =>
        typeof s?.file === 'string' &&
        /^[A-Za-z0-9._-]+$/.test(s.file) &&
        s.file !== '.' &&
        s.file !== '..' &&
        range({ start: s.first_offset, end: s.last_offset }) &&
        isSegmentTimeRange(s),
    )
  );
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads and checks the `index.json` in partition directory `dir`; `undefined` when there is none. */
async function loadIndex(dir: string, what: string): Promise<SegmentIndex | undefined> {
  const handle = await openRegular(join(dir, INDEX_FILE), `segment index of ${what}`, true);
  if (handle === undefined) return undefined;
  let text: string;
  try {
    text = await handle.readFile('utf8');
  } catch (error) {
    throw unavailable(error, `reading segment index of ${what}`);
  } finally {
    await handle.close().catch(() => {});
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OfsError('ARTIFACT_CORRUPT', { message: `segment index of ${what} is not JSON`, cause: error });
  }
  if (!isIndex(parsed)) {
    throw new OfsError('ARTIFACT_CORRUPT', {
      message: `segment index of ${what} is not an ${SEGMENT_INDEX_SCHEMA_VERSION} (or ${SEGMENT_INDEX_SCHEMA_VERSION_V1})`,
    });
  }
  return parsed;
}

/**
 * The checked `index.json` of one topic/partition/offset kind below `root` (the layout
 * `writeSegmentFiles` writes), or `undefined` when the partition has none. For planners that need
 * more than `coverage` — e.g. each segment's `min_ts_utc` / `max_ts_utc` / `ts_ordered` to turn a
 * time window into offsets without reading records. Same errors as the source: a hostile
 * partition is `BASIS_UNRESOLVED`, an unreadable index `ARTIFACT_CORRUPT`, a FIFO in its place
 * `OBJECT_NOT_REGULAR_FILE`, I/O `REPLAY_SOURCE_UNAVAILABLE`.
 */
export async function readSegmentIndex(
  root: string,
  topic: string,
  partition: number,
  offsetKind: string,
): Promise<SegmentIndex | undefined> {
  return loadIndex(partitionDir(resolve(root), topic, partition, offsetKind, 'BASIS_UNRESOLVED'), `${topic}/${partition}`);
}

/** First segment whose last offset is `>= offset` (binary search). */
function firstSegmentReaching(index: SegmentIndex, offset: string): number {
  let lo = 0;
  let hi = index.segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareDecimal(index.segments[mid]!.last_offset, offset) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A `ReplaySource` over JSONL segment files (layout in the package README): the embedded
 * EB/Archive of the demo and the benchmarks. `coverage` answers from each partition's
 * `index.json` (`[]` when the partition has no index); `read` opens only the segments whose
 * offset span meets the range (binary search over the index) and yields exactly the records
 * inside it, in file order. I/O failures are `REPLAY_SOURCE_UNAVAILABLE` (retryable); an
 * unreadable index is `ARTIFACT_CORRUPT`; a malformed line is `REPLAY_RECORD_INVALID`; a line
 * longer than `maxRecordBytes` is `REPLAY_RECORD_TOO_LARGE`; a FIFO or other non-regular file in
 * place of an index or segment is `OBJECT_NOT_REGULAR_FILE`. Reads `ofs.segment_index.v2` and v1
 * partitions (v1 only without `verifyHashes`).
 */
export function createSegmentFileSource(options: SegmentFileSourceOptions): ReplaySource {
  const root = resolve(options.root);
  const verify = options.verifyHashes ?? false;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new OfsError('SCHEMA_INVALID', { message: `maxRecordBytes must be a whole number ≥ 1, got ${maxRecordBytes}` });
  }
  const indexes = new Map<string, SegmentIndex>();

  const indexOf = async (slice: ReplaySlice): Promise<SegmentIndex | undefined> => {
    const dir = partitionDir(root, slice.topic, slice.partition, slice.offset_kind, 'BASIS_UNRESOLVED');
    const cached = indexes.get(dir);
    if (cached) return cached;
    const parsed = await loadIndex(dir, `${slice.topic}/${slice.partition}`);
    if (parsed === undefined) return undefined;
    if (verify && parsed.hash_recipe !== ENVELOPE_HASH_RECIPE) {
      throw new OfsError('REPLAY_HASH_UNVERIFIABLE', {
        message:
          parsed.hash_recipe === undefined
            ? `${slice.topic}/${slice.partition} is an ${SEGMENT_INDEX_SCHEMA_VERSION_V1} partition: its lines do not carry what the record hash (${ENVELOPE_HASH_RECIPE}) covers; rewrite it with writeSegmentFiles or read it without verifyHashes`
            : `${slice.topic}/${slice.partition} names the hash recipe ${JSON.stringify(parsed.hash_recipe)}, which this source cannot recompute`,
        details: {
          topic: slice.topic,
          partition: slice.partition,
          schema_version: parsed.schema_version,
          hash_recipe: parsed.hash_recipe ?? null,
        },
      });
    }
    indexes.set(dir, parsed);
    return parsed;
  };

  const invalid = (slice: ReplaySlice, file: string, line: number, why: string) =>
    new OfsError('REPLAY_RECORD_INVALID', {
      message: `${slice.topic}/${slice.partition} ${file}:${line}: ${why}`,
      details: { topic: slice.topic, partition: slice.partition, file, line },
    });

  /** Parses one line into a record of `slice`, or `undefined` when it lies outside `range`. */
  const parseLine = (
    slice: ReplaySlice,
    range: OffsetRange,
    inner: boolean,
    body: string,
    file: string,
    line: number,
  ): ReplayRecord | undefined => {
    // The exact shape the writer produces is read directly; anything else goes through JSON.parse.
    let row: SegmentRow | undefined = parsePlainSegmentLine(body);
    if (row === undefined) {
      try {
        row = JSON.parse(body) as SegmentRow;
      } catch {
        throw invalid(slice, file, line, 'not JSON');
      }
    }
    if (typeof row?.offset !== 'string' || !isCanonicalDecimal(row.offset)) throw invalid(slice, file, line, 'offset is not canonical');
    if (!inner && (compareDecimal(row.offset, range.start) < 0 || compareDecimal(row.offset, range.end) > 0)) return undefined;
    if (typeof row.event_id !== 'string' || typeof row.ts_utc !== 'string' || typeof row.payload_hash !== 'string') {
      throw invalid(slice, file, line, 'event_id, ts_utc and payload_hash must be strings');
    }
    if (!isObject(row.payload)) throw invalid(slice, file, line, 'payload must be an object');
    if (row.envelope !== undefined && !isObject(row.envelope)) throw invalid(slice, file, line, 'envelope must be an object');
    const record = {
      topic: slice.topic,
      partition: slice.partition,
      offset_kind: slice.offset_kind,
      offset: row.offset,
      event_id: row.event_id,
      ts_utc: row.ts_utc,
      payload: row.payload,
      payload_hash: row.payload_hash,
      ...(row.envelope === undefined ? {} : { envelope: row.envelope }),
    } as ReplayRecord;
    if (verify && envelopeHash(record) !== record.payload_hash) {
      throw invalid(slice, file, line, `payload_hash does not match the envelope (${ENVELOPE_HASH_RECIPE})`);
    }
    return record;
  };

  const tooLarge = (slice: ReplaySlice, file: string, line: number) =>
    new OfsError('REPLAY_RECORD_TOO_LARGE', {
      message: `${slice.topic}/${slice.partition} ${file}:${line}: the record is longer than maxRecordBytes (${maxRecordBytes})`,
      details: { topic: slice.topic, partition: slice.partition, file, line, limit: maxRecordBytes },
    });

  async function* readBatches(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions): AsyncGenerator<readonly ReplayRecord[]> {
    const signal = opts?.signal;
    throwIfAborted(signal);
    const index = await indexOf(slice);
    if (!index) return;
    const dir = partitionDir(root, slice.topic, slice.partition, slice.offset_kind, 'BASIS_UNRESOLVED');
    let batch: ReplayRecord[] = [];
    for (let s = firstSegmentReaching(index, range.start); s < index.segments.length; s++) {
      const segment = index.segments[s]!;
      if (compareDecimal(segment.first_offset, range.end) > 0) break;
      throwIfAborted(signal);
      // Segments wholly inside the range need no per-line offset check.
      const inner = compareDecimal(segment.first_offset, range.start) >= 0 && compareDecimal(segment.last_offset, range.end) <= 0;
      const handle = (await openRegular(join(dir, segment.file), `${slice.topic}/${slice.partition} ${segment.file}`, false)) as FileHandle;
      try {
        // Streams the file through one chunk buffer, so memory stays bounded whatever the segment size.
        // Each line is decoded on its own (not the whole chunk): a record's strings then keep at
        // most their own line alive, never a chunk-sized string.
        let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        let filled = 0;
        let line = 0;
        for (;;) {
          // `filled` bytes are the start of one line: past the limit it can only be too large.
          if (filled > maxRecordBytes) throw tooLarge(slice, segment.file, line + 1);
          if (filled === buffer.length) {
            const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxRecordBytes + CHUNK_BYTES));
            buffer.copy(bigger, 0, 0, filled);
            buffer = bigger;
          }
          let bytesRead: number;
          try {
            ({ bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null));
          } catch (error) {
            throw unavailable(error, `reading ${slice.topic}/${slice.partition} ${segment.file}`);
          }
          const end = filled + bytesRead;
          const eof = bytesRead === 0;
          const cut = eof ? end : buffer.lastIndexOf(0x0a, end - 1);
          if (cut < 0) {
            filled = end;
            continue;
          }
          let at = 0;
          while (at < cut) {
            let nl = buffer.indexOf(0x0a, at);
            if (nl < 0 || nl > cut) nl = cut;
            line++;
            if (nl - at > maxRecordBytes) throw tooLarge(slice, segment.file, line);
            if (nl > at) {
              const record = parseLine(slice, range, inner, buffer.toString('utf8', at, nl), segment.file, line);
              if (record) {
                batch.push(record);
                if (batch.length >= BATCH) {
                  throwIfAborted(signal);
                  yield batch;
                  batch = [];
                }
              }
            }
            at = nl + 1;
          }
          if (eof) break;
          const rest = cut + 1;
          buffer.copy(buffer, 0, rest, end);
          filled = end - rest;
        }
      } finally {
        await handle.close().catch(() => {});
      }
    }
    if (batch.length > 0) yield batch;
  }

  return {
    async timeIndex(partition: TimePartition, opts?: AbortOptions) {
      throwIfAborted(opts?.signal);
      const index = await indexOf({ ...partition, start_offset: '0', end_offset: '0' });
      if (!index) return [];
      const chunks: TimeIndexChunk[] = [];
      for (const segment of index.segments) {
        // A segment without a proven time range (v1 index, or a ts_utc that is not an instant) cannot be placed.
        if (segment.min_ts_utc === undefined || segment.max_ts_utc === undefined) return undefined;
        chunks.push({
          first_offset: segment.first_offset,
          last_offset: segment.last_offset,
          min_ts_utc: segment.min_ts_utc,
          max_ts_utc: segment.max_ts_utc,
        });
      }
      return chunks;
    },
    async partitions(topic: string, offsetKind: string, opts?: AbortOptions) {
      throwIfAborted(opts?.signal);
      const topicDir = dirname(dirname(partitionDir(root, topic, 0, offsetKind, 'BASIS_UNRESOLVED')));
      let names: string[];
      try {
        names = await readdir(topicDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', `listing the partitions of ${topic}`);
      }
      const found: number[] = [];
      for (const name of names) {
        const m = /^partition=(0|[1-9][0-9]{0,14})$/.exec(name);
        if (!m) continue;
        const n = Number(m[1]);
        if ((await readSegmentIndex(root, topic, n, offsetKind)) !== undefined) found.push(n);
      }
      return found.sort((a, b) => a - b);
    },
    async coverage(slice: ReplaySlice, opts?: AbortOptions) {
      throwIfAborted(opts?.signal);
      const index = await indexOf(slice);
      if (!index) return [];
      const out: OffsetRange[] = [];
      for (const r of index.coverage) {
        const start = compareDecimal(r.start, slice.start_offset) < 0 ? slice.start_offset : r.start;
        const end = compareDecimal(r.end, slice.end_offset) > 0 ? slice.end_offset : r.end;
        if (compareDecimal(start, end) <= 0) out.push({ start, end });
      }
      return out;
    },

    async *read(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions) {
      for await (const batch of readBatches(slice, range, opts)) yield* batch;
    },
    readBatches,
  };
}
