const encoder = new TextEncoder();
/** Buffers at least this large grow by 25% instead of doubling. */
const GROW_BY_QUARTER_FROM = 1 << 24;

/**
 * A growable byte buffer that row encoders write UTF-8 into directly: ASCII is written code
 * unit by code unit (no intermediate strings), anything else through `TextEncoder.encodeInto`.
 */
export class ByteBuffer {
  /** The bytes; valid up to `length`. Replaced (not resized) when the buffer grows. */
  bytes: Uint8Array;
  /** Bytes written. */
  length = 0;

  constructor(initialSize = 1 << 16) {
    this.bytes = new Uint8Array(Math.max(16, initialSize));
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.byteLength) return;
    // Doubles up to 16 MB, then grows by a quarter (a part slightly larger than its presized
    // buffer must not cost a buffer twice its size).
    let size = this.bytes.byteLength;
    while (size < needed) size = size < GROW_BY_QUARTER_FROM ? size * 2 : Math.ceil(size * 1.25);
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Appends bytes. */
  writeBytes(source: Uint8Array, start = 0, end = source.byteLength): void {
    const n = end - start;
    this.reserve(n);
    const out = this.bytes;
    let at = this.length;
    if (n <= 64) {
      for (let i = start; i < end; i++) out[at++] = source[i] as number;
    } else {
      out.set(source.subarray(start, end), at);
      at += n;
    }
    this.length = at;
  }

  /** Appends one byte. */
  writeByte(byte: number): void {
    if (this.length >= this.bytes.byteLength) this.reserve(1);
    this.bytes[this.length++] = byte;
  }

  /** Appends `text` UTF-8 encoded. */
  writeString(text: string): void {
    const n = text.length;
    this.reserve(n * 3);
    const out = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.length = at;
        this.length += encoder.encodeInto(text.slice(i), out.subarray(at)).written;
        return;
      }
      out[at++] = c;
    }
    this.length = at;
  }

  /**
   * Appends `"text"` when every code unit is printable ASCII other than `"` and `\` (the
   * canonical JSON string then needs no escape) and returns `true`; otherwise writes nothing
   * and returns `false`.
   */
  writePlainQuoted(text: string): boolean {
    const n = text.length;
    this.reserve(n + 2);
    const out = this.bytes;
    const start = this.length;
    let at = start;
    out[at++] = 34;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return false;
      out[at++] = c;
    }
    out[at++] = 34;
    this.length = at;
    return true;
  }
}
