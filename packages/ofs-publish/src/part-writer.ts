import { type AbortOptions, datasetPartKey, type DatasetPart, type ObjectStore } from '@ofs/contracts';
import { createSha256, type Sha256, utf8, writeOnceBytes } from '@ofs/ids';

/**
 * Collects canonical row lines into content-addressed JSONL parts of `partRows` rows, writing
 * each part write-once as it fills (`{platform_run_id}/ofs/parts/{sha256}.jsonl`), and streams
 * the rows digest (`ofs.rows_digest.v2`: sha256 over every line plus `\n` = the concatenated
 * part bytes). Parts are unreferenced blobs until a manifest names them. Memory: one part.
 */
export class PartWriter {
  private lines: string[] = [];
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
    this.lines.push(line);
    if (this.lines.length >= this.partRows) await this.flush();
  }

  /** `true` when `add` would write a part after `n` more lines. */
  get pending(): number {
    return this.lines.length;
  }

  /** Writes the last (partial) part and returns every part, the row count and the rows digest. */
  async finish(): Promise<{ parts: DatasetPart[]; rows: number; bytes: number; rowsDigest: string }> {
    await this.flush();
    return { parts: this.written, rows: this.rowsTotal, bytes: this.bytesTotal, rowsDigest: this.digest.digestHex() };
  }

  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const rows = this.lines.length;
    const bytes = utf8(`${this.lines.join('\n')}\n`);
    this.lines = [];
    const sha256 = createSha256().update(bytes).digestHex();
    this.digest.update(bytes);
    const key = datasetPartKey(this.platformRunId, sha256);
    await writeOnceBytes(this.store, key, bytes, this.options);
    this.written.push({ key, rows, bytes: bytes.byteLength, sha256 });
    this.rowsTotal += rows;
    this.bytesTotal += bytes.byteLength;
  }
}
