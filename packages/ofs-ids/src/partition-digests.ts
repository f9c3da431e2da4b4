import { OfsError } from '@ofs/contracts/base';
import { createSha256, type Sha256 } from './sha256.js';

/**
 * Per-partition digests combined in a fixed order (recipes v3, DESIGN §12): each topic
 * partition gets its own running sha256, and the combined digest is the sha256 over the lines
 * `{topic}/{partition} {partition_digest}\n` of every partition that received data, ordered by
 * `rank` (the partition's position in the plan's replay basis; default: first use).
 *
 * Because a partition's digest depends only on its own lines, the combined digest is the same
 * whether one thread fed every partition in basis order or many shards fed them interleaved.
 */
export class PartitionDigests {
  private readonly digests = new Map<
    string,
    { readonly topic: string; readonly partition: number; readonly hash: Sha256; readonly rank: number }
  >();
  private uses = 0;

  /** `rank(topic, partition)`: the order of a partition in the combination (ties are refused). */
  constructor(private readonly rank?: (topic: string, partition: number) => number) {}

  /** The running digest of one partition (created on first use). */
  of(topic: string, partition: number): Sha256 {
    const key = `${topic}/${partition}`;
    let entry = this.digests.get(key);
    if (entry === undefined) {
      const rank = this.rank ? this.rank(topic, partition) : this.uses;
      this.uses++;
      entry = { topic, partition, hash: createSha256(), rank };
      this.digests.set(key, entry);
    }
    return entry.hash;
  }

  /** Adds a partition whose digest was computed elsewhere (a shard), as lowercase hex. */
  set(topic: string, partition: number, digestHex: string): void {
    const key = `${topic}/${partition}`;
    if (this.digests.has(key)) throw new OfsError('INTERNAL_ERROR', { message: `partition ${key} was digested twice` });
    const rank = this.rank ? this.rank(topic, partition) : this.uses;
    this.uses++;
    const fixed: Sha256 = { update: () => fixed, digestHex: () => digestHex };
    this.digests.set(key, { topic, partition, hash: fixed, rank });
  }

  /** The finished digest of each partition that received data, in combination order. */
  partitions(): { topic: string; partition: number; digest: string }[] {
    const entries = [...this.digests.values()].sort((a, b) => a.rank - b.rank);
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.rank === entries[i - 1]!.rank)
        throw new OfsError('INTERNAL_ERROR', { message: 'two partitions share one combination rank' });
    }
    return entries.map((e) => ({ topic: e.topic, partition: e.partition, digest: e.hash.digestHex() }));
  }

  /** The combined digest (finishes every partition digest; call once). */
  digestHex(): string {
    return combinePartitionDigests(this.partitions());
  }
}

/** sha256 over `{topic}/{partition} {digest}\n` per entry, in the order given (recipes v3). */
export function combinePartitionDigests(entries: readonly { topic: string; partition: number; digest: string }[]): string {
  const combined = createSha256();
  for (const e of entries) combined.update(`${e.topic}/${e.partition} ${e.digest}\n`);
  return combined.digestHex();
}
