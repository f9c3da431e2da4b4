import { type AbortOptions, type DatasetPart, datasetPartKey, type ObjectStore } from '@ofs/contracts';
import { createSha256, type Sha256, writeOnceBytes } from '@ofs/ids';

const CHUNK_BYTES = 4 << 20;
const encoder = new TextEncoder();

/**
 * Collects canonical row lines into content-addressed JSONL parts of `partRows` rows, writing
 * each part write-once as it fills (`{platform_run_id}/ofs/parts/{sha256}.jsonl`), and streams
 * the rows digest (`ofs.rows_digest.v2`: sha256 over every line plus `\n` = the concatenated
 * part bytes, fed one part at a time). Lines are UTF-8 encoded into fixed-size chunks as they
 * arrive, so a part costs its bytes, not a string per row. Memory: one part.
 */
export class PartWriter {
  private chunks: Uint8Array[] = [];
  private chunk = new Uint8Array(CHUNK_BYTES);
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
  ) {}

  /** Adds one row line (without its newline); writes the part when it is full. */
  async add(line: string): Promise<void> {
    this.append(`${line}\n`);
    this.rows++;
    if (this.rows >= this.partRows) await this.flush();
  }

  /** Writes the last (partial) part and returns every part, the row count and the rows digest. */
  async finish(): Promise<{ parts: DatasetPart[]; rows: number; bytes: number; rowsDigest: string }> {
    await this.flush();
    return { parts: this.written, rows: this.rowsTotal, bytes: this.bytesTotal, rowsDigest: this.digest.digestHex() };
  }

  private append(text: string): void {
    // A UTF-16 unit takes at most 3 UTF-8 bytes.
    if (CHUNK_BYTES - this.used < text.length * 3) {
      if (text.length * 3 > CHUNK_BYTES) {
        this.seal();
        this.chunks.push(encoder.encode(text));
        return;
      }
      this.seal();
    }
    this.used += encoder.encodeInto(text, this.chunk.subarray(this.used)).written;
  }

  private seal(): void {
    if (this.used === 0) return;
    this.chunks.push(this.chunk.slice(0, this.used));
    this.used = 0;
  }

  private async flush(): Promise<void> {
    if (this.rows === 0) return;
    this.seal();
    const rows = this.rows;
    let size = 0;
    for (const c of this.chunks) size += c.byteLength;
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of this.chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    this.chunks = [];
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
