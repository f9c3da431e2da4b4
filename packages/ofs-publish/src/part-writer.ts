import { type AbortOptions, type DatasetPart, datasetPartKey, type ObjectStore } from '@ofs/contracts';
import { createSha256, combinePartitionDigests, PartitionDigests, type Sha256, sha256Hex, writeOnceBytes } from '@ofs/ids';
import { ByteBuffer } from './byte-buffer.js';
import type { PartEncoder } from './parquet-part.js';

/** Options of a `PartWriter`. */
export interface PartWriterOptions extends AbortOptions {
  /**
   * Encodes each full part's canonical JSONL rows into another format (Parquet). The rows digest
   * stays over the canonical lines, so every part format of the same rows has the same one.
   */
  encoder?: PartEncoder;
}

/** The largest buffer presized from the first row (a larger part still grows by doubling). */
const PRESIZE_LIMIT = 1 << 28;
/** Bytes hashed at a time by both digests (fits the L2 cache). */
const HASH_CHUNK = 1 << 18;

/** The rows digest of one topic partition (recipes v3). */
export interface PartitionRowsDigest {
  readonly topic: string;
  readonly partition: number;
  /** sha256 over the partition's row lines plus `\n`, in row order. */
  readonly digest: string;
}

/**
 * Collects canonical row lines into content-addressed JSONL parts of `partRows` rows, writing
 * each part write-once as it fills (`{platform_run_id}/ofs/parts/{sha256}.jsonl`), and streams
 * the rows digest. With `startPartition` (reconstruction always calls it) parts are
 * partition-local, name their partition, and the digest is `ofs.rows_digest.v3` (per partition,
 * combined in the order partitions were started); without it, `ofs.rows_digest.v2` (sha256 over
 * every line plus `\n` = the concatenated part bytes).
 *
 * Lines are UTF-8 encoded straight into one buffer per part, sized from the previous part (it
 * grows by doubling when a part is larger), and the store gets a view of exactly the part's
 * bytes: a part costs about its own size in memory, with no per-row strings kept and no second
 * copy. Each part gets a fresh buffer, so a store may keep the bytes it is given.
 */
export class PartWriter {
  private out = new ByteBuffer(1 << 16);
  private rows = 0;
  private readonly digest: Sha256 = createSha256();
  private readonly byPartition = new PartitionDigests();
  /** The partition being written; its digest enters the combination with its first row. */
  private partition: { topic: string; partition: number; digest: Sha256 | undefined } | undefined;
  private readonly written: DatasetPart[] = [];
  private rowsTotal = 0;
  private bytesTotal = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly platformRunId: string,
    private readonly partRows: number,
    private readonly options: PartWriterOptions = {},
  ) {}

  /** Where the row being written goes (see `endRow`); replaced after each part. */
  get sink(): ByteBuffer {
    return this.out;
  }

  /**
   * Starts the rows of another topic partition: writes the part in progress (a part never spans
   * two partitions) and keeps this partition's rows digest apart. Each partition is started once; only partitions that hold rows enter the digest.
   */
  async startPartition(topic: string, partition: number): Promise<void> {
    await this.flush();
    this.partition = { topic, partition, digest: undefined };
  }

  /** Adds one row line (without its newline); writes the part when it is full. */
  async add(line: string): Promise<void> {
    // A UTF-16 unit takes at most 3 UTF-8 bytes; plus the newline.
    this.out.writeString(line);
    this.out.writeByte(10);
    this.rows++;
    if (this.rows === 1) this.presize();
    if (this.rows >= this.partRows) await this.flush();
  }

  /** Appends `source[start, end)` to the row being written (see `endRow`). */
  writeBytes(source: Uint8Array, start: number, end: number): void {
    this.out.writeBytes(source, start, end);
  }

  /**
   * Ends the row written piecewise with `writeBytes`/`writeString` (adds its newline). Returns
   * `true` when the part is full: the caller must then `await flushIfFull()` before the next row.
   */
  endRow(): boolean {
    this.out.writeByte(10);
    this.rows++;
    if (this.rows === 1) this.presize();
    return this.rows >= this.partRows;
  }

  /** Writes the current part if it holds `partRows` rows. */
  async flushIfFull(): Promise<void> {
    if (this.rows >= this.partRows) await this.flush();
  }

  /** Writes the last (partial) part and returns every part, the row count and the rows digest. */
  async finish(): Promise<{ parts: DatasetPart[]; rows: number; bytes: number; rowsDigest: string; partitions: PartitionRowsDigest[] }> {
    await this.flush();
    if (this.partition === undefined) {
      return { parts: this.written, rows: this.rowsTotal, bytes: this.bytesTotal, rowsDigest: this.digest.digestHex(), partitions: [] };
    }
    const partitions = this.byPartition.partitions();
    const rowsDigest = combinePartitionDigests(partitions);
    return { parts: this.written, rows: this.rowsTotal, bytes: this.bytesTotal, rowsDigest, partitions };
  }

  /** After the first row of the first part: sizes the buffer for a whole part of such rows (saves the doublings). */
  private presize(): void {
    if (this.written.length > 0) return;
    const estimate = Math.min(PRESIZE_LIMIT, Math.ceil(this.out.length * this.partRows * 1.1));
    this.out.reserve(estimate - this.out.length);
  }

  private async flush(): Promise<void> {
    if (this.rows === 0) return;
    const rows = this.rows;
    const size = this.out.length;
    const bytes = this.out.bytes.subarray(0, size);
    this.rows = 0;
    // One pass over the part feeds both digests, chunk by chunk (each chunk is hashed twice
    // while it is still in cache, instead of two full passes over ~80 MB).
    const part = createSha256();
    let rowsDigest = this.digest;
    if (this.partition) {
      this.partition.digest ??= this.byPartition.of(this.partition.topic, this.partition.partition);
      rowsDigest = this.partition.digest;
    }
    for (let at = 0; at < size; at += HASH_CHUNK) {
      const chunk = bytes.subarray(at, Math.min(size, at + HASH_CHUNK));
      part.update(chunk);
      rowsDigest.update(chunk);
    }
    const encoder = this.options.encoder;
    // Drop our reference before the store call and allocate the next part's buffer only after
    // it: two part buffers are never both held by the writer.
    this.out = new ByteBuffer(16);
    const stored = encoder ? encoder.encode(bytes, rows) : bytes;
    // Read before the write: a store may take the bytes over (a shard worker moves them to the
    // main thread, which detaches them here).
    const storedBytes = stored.byteLength;
    const sha256 = encoder ? sha256Hex(stored) : part.digestHex();
    const key = datasetPartKey(this.platformRunId, sha256, encoder ? encoder.format : 'jsonl');
    const { encoder: _encoder, ...storeOptions } = this.options;
    await writeOnceBytes(this.store, key, stored, storeOptions);
    this.out = new ByteBuffer(Math.ceil(size * 1.05));
    this.written.push({
      key,
      rows,
      bytes: storedBytes,
      sha256,
      ...(this.partition ? { topic: this.partition.topic, partition: this.partition.partition } : {}),
    });
    this.rowsTotal += rows;
    this.bytesTotal += storedBytes;
  }
}
