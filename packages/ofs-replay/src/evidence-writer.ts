import type { ReplaySourceName } from '@ofs/contracts';
import { createSha256, type Sha256 } from '@ofs/ids';

/** Bytes buffered before they are hashed. */
const CAPACITY = 64 * 1024;

const encoder = new TextEncoder();
const SOURCE_BYTES: Readonly<Record<ReplaySourceName, Uint8Array>> = {
  EB: encoder.encode('|EB|'),
  ARCHIVE: encoder.encode('|ARCHIVE|'),
};

/**
 * The `evidence_digest` of a replay (recipe `ofs.evidence_digest.v1`: sha256 over
 * `topic|partition|offset|source|payload_hash\n` per emitted record, in stream order), written
 * straight into a reused byte buffer: no string is built per record. It yields exactly the bytes
 * of `createEvidenceDigest` from `@ofs/ids` (tested against it); the `topic|partition|` prefix is
 * encoded once per slice.
 */
export class EvidenceWriter {
  private readonly hash: Sha256 = createSha256();
  private bytes = new Uint8Array(CAPACITY);
  private length = 0;
  private prefix: Uint8Array = new Uint8Array(0);
  /** Records added so far. */
  count = 0;

  /** Starts the lines of one slice (every following record has this topic and partition). */
  beginSlice(topic: string, partition: number): void {
    this.prefix = encoder.encode(`${topic}|${partition}|`);
  }

  /** Adds one emitted record: `offset` is a canonical decimal, `payloadHash` any string. */
  add(offset: string, source: ReplaySourceName, payloadHash: string): void {
    const { prefix } = this;
    const sourceBytes = SOURCE_BYTES[source];
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const most = prefix.length + offset.length + sourceBytes.length + 3 * payloadHash.length + 1;
    if (this.length + most > this.bytes.length) this.makeRoom(most);
    const bytes = this.bytes;
    let at = this.length;
    // Short copies by hand: cheaper than a `set` call per record.
    for (let i = 0; i < prefix.length; i++) bytes[at++] = prefix[i]!;
    for (let i = 0; i < offset.length; i++) bytes[at++] = offset.charCodeAt(i);
    for (let i = 0; i < sourceBytes.length; i++) bytes[at++] = sourceBytes[i]!;
    // The hash is 64 characters: one native encode beats a loop over them.
    at += encoder.encodeInto(payloadHash, bytes.subarray(at)).written;
    bytes[at++] = 0x0a;
    this.length = at;
    this.count++;
  }

  private makeRoom(most: number): void {
    this.flush();
    if (most > this.bytes.length) this.bytes = new Uint8Array(most);
  }

  private flush(): void {
    if (this.length > 0) this.hash.update(this.bytes.subarray(0, this.length));
    this.length = 0;
  }

  /** Finishes and returns the lowercase hex digest. */
  digestHex(): string {
    this.flush();
    return this.hash.digestHex();
  }
}
