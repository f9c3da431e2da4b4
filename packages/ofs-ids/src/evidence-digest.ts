import { createSha256 } from './sha256.js';

/** Which source served a replayed record. */
export type EvidenceSource = 'EB' | 'ARCHIVE';

/** A streamed `evidence_digest`: sha256 over `topic|partition|offset|source|payload_hash\n` per chosen record, in order. */
export interface EvidenceDigest {
  /** Adds one chosen record. */
  add(topic: string, partition: number, offset: string, source: EvidenceSource, payloadHash: string): void;
  /** Records added so far. */
  readonly count: number;
  /** Finishes and returns the hex digest. */
  digestHex(): string;
}

// Lines are buffered and hashed in batches: one hash update per line costs ~6× more.
const BATCH = 512;

/** Starts an `evidence_digest` (recipe `ofs.evidence_digest.v1`). */
export function createEvidenceDigest(): EvidenceDigest {
  const hash = createSha256();
  let buffer: string[] = [];
  let count = 0;
  return {
    add(topic, partition, offset, source, payloadHash) {
      buffer.push(`${topic}|${partition}|${offset}|${source}|${payloadHash}\n`);
      count++;
      if (buffer.length >= BATCH) {
        hash.update(buffer.join(''));
        buffer = [];
      }
    },
    get count() {
      return count;
    },
    digestHex() {
      if (buffer.length > 0) hash.update(buffer.join(''));
      buffer = [];
      return hash.digestHex();
    },
  };
}
