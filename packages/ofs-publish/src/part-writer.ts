import { type AbortOptions, type DatasetPart, datasetPartKey, type ObjectStore } from '@ofs/contracts';
import { createSha256, type Sha256, writeOnceBytes } from '@ofs/ids';

const encoder = new TextEncoder();

/**
 * Collects canonical row lines into content-addressed JSONL parts of `partRows` rows, writing
 * each part write-once as it fills (`{platform_run_id}/ofs/parts/{sha256}.jsonl`), and streams
 * the rows digest (`ofs.rows_digest.v2`: sha256 over every line plus `\n` = the concatenated
 * part bytes, fed one part at a time).
 *
 * Lines are UTF-8 encoded straight into one buffer per part, sized from the previous part (it
 * grows by doubling when a part is larger), and the store gets a view of exactly the part's
 * bytes: a part costs about its own size in memory, with no per-row strings kept and no second
 * copy. Each part gets a fresh buffer, so a store may keep the bytes it is given.
 */
export class PartWriter {
  private buffer: Uint8Array;
  private used = 0;
  private rows = 0;
  private readonly digest: Sha256 = createSha256();
  private readonly written: DatasetPart[] = [];
  private rowsTotal = 0;
  private bytesTotal = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly platformRunId: string,
    private readonly partRows: number,
    private readonly options: AbortOptions = {},
  ) {
    this.buffer = new Uint8Array(1 << 16);
  }

  /** Adds one row line (without its newline); writes the part when it is full. */
  async add(line: string): Promise<void> {
    // A UTF-16 unit takes at most 3 UTF-8 bytes; plus the newline.
    const worst = line.length * 3 + 1;
    if (this.buffer.byteLength - this.used < worst) this.grow(this.used + worst);
    this.used += encoder.encodeInto(line, this.buffer.subarray(this.used)).written;
    this.buffer[this.used++] = 10;
    this.rows++;
    if (this.rows >= this.partRows) await this.flush();
  }

  /** Writes the last (partial) part and returns every part, the row count and the rows digest. */
  async finish(): Promise<{ parts: DatasetPart[]; rows: number; bytes: number; rowsDigest: string }> {
    await this.flush();
    return { parts: this.written, rows: this.rowsTotal, bytes: this.bytesTotal, rowsDigest: this.digest.digestHex() };
  }

  private grow(needed: number): void {
    let size = this.buffer.byteLength * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.used));
    this.buffer = next;
  }

  private async flush(): Promise<void> {
    if (this.rows === 0) return;
    const rows = this.rows;
    const bytes = this.buffer.subarray(0, this.used);
    // The next part starts in a fresh buffer of about this part's size.
    this.buffer = new Uint8Array(Math.max(1 << 16, Math.ceil(this.used * 1.05)));
    this.used = 0;
    this.rows = 0;
    const sha256 = createSha256().update(bytes).digestHex();
    this.digest.update(bytes);
    const key = datasetPartKey(this.platformRunId, sha256);
    await writeOnceBytes(this.store, key, bytes, this.options);
    this.written.push({ key, rows, bytes: bytes.byteLength, sha256 });
    this.rowsTotal += rows;
    this.bytesTotal += bytes.byteLength;
  }
}
