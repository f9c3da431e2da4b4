import { canonicalString, type Sha256, utf8 } from '@ofs/ids';

/** Default size of the writer's byte buffer. */
const DEFAULT_BUFFER_BYTES = 1 << 16;

/**
 * Streams text into a SHA-256 as UTF-8 through one reused byte buffer, which is hashed whenever it
 * fills and on `flush`. The resolver writes every resolved-digest line through it, so a batch
 * makes no per-line strings and the hash gets a few large updates instead of one string per batch.
 * The bytes hashed are exactly the UTF-8 of the text written (property-tested against strings).
 */
export class DigestWriter {
  private buffer: Uint8Array;
  private at = 0;

  constructor(
    private readonly hash: Sha256,
    bufferBytes = DEFAULT_BUFFER_BYTES,
  ) {
    this.buffer = new Uint8Array(Math.max(16, bufferBytes));
  }

  /** Writes the canonical JSON of the string `text` (verbatim between quotes when it is printable ASCII without `"` or `\`). */
  jsonString(text: string): void {
    const n = text.length;
    this.reserve(n + 2);
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = 34;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Anything canonical JSON escapes, or that is not one byte in UTF-8: the general path.
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) {
        this.text(canonicalString(text));
        return;
      }
      buffer[at++] = c;
    }
    buffer[at++] = 34;
    this.at = at;
  }

  /** Writes the UTF-8 bytes of `text`. */
  text(text: string): void {
    const n = text.length;
    this.reserve(n);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.bytes(utf8(text));
        return;
      }
      buffer[at++] = c;
    }
    this.at = at;
  }

  /** Writes `bytes` as they are. */
  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    this.reserve(n);
    const buffer = this.buffer;
    const at = this.at;
    if (n <= 64) {
      for (let i = 0; i < n; i++) buffer[at + i] = bytes[i]!;
    } else {
      buffer.set(bytes, at);
    }
    this.at = at + n;
  }

  /** Hashes what is buffered. */
  flush(): void {
    if (this.at > 0) this.hash.update(this.buffer.subarray(0, this.at));
    this.at = 0;
  }

  /** Makes room for `n` more bytes: hashes the buffer when they would not fit, grows it for a larger write. */
  private reserve(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    this.flush();
    if (n > this.buffer.length) this.buffer = new Uint8Array(n * 2);
  }
}
