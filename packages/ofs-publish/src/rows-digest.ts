import { type DatasetPart, OfsError, ROWS_DIGEST_RECIPE, type RowsDigestRecipe } from '@ofs/contracts';
import { createSha256, PartitionDigests, type Sha256 } from '@ofs/ids';

/** Recomputes a dataset's rows digest from its parts, in part order, under the recipe it names. */
export interface RowsDigestCheck {
  /**
   * The running digest the part's canonical lines go into. Under `ofs.rows_digest.v3` a part
   * must name its topic partition and a partition's parts must be contiguous; otherwise this
   * throws `DATASET_INTEGRITY_VIOLATION` naming the part.
   */
  part(part: DatasetPart): Sha256;
  /** The rows digest (call once, after every part). */
  digestHex(): string;
}

/** A `RowsDigestCheck` for `recipe` (`ofs.rows_digest.v2`: one stream; `v3`: per partition, combined). */
export function createRowsDigestCheck(recipe: RowsDigestRecipe): RowsDigestCheck {
  if (recipe !== ROWS_DIGEST_RECIPE) {
    const whole = createSha256();
    return { part: () => whole, digestHex: () => whole.digestHex() };
  }
  const byPartition = new PartitionDigests();
  const done = new Set<string>();
  let current: string | undefined;
  return {
    part(part) {
      if (typeof part.topic !== 'string' || typeof part.partition !== 'number') {
        throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
          message: `part ${part.key} names no topic partition, which ${ROWS_DIGEST_RECIPE} requires`,
          details: { part: part.key },
        });
      }
      const key = `${part.topic}/${part.partition}`;
      if (key !== current) {
        if (done.has(key)) {
          throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
            message: `part ${part.key} returns to partition ${key} after another partition's parts (a partition's parts must be contiguous)`,
            details: { part: part.key, partition: key },
          });
        }
        if (current !== undefined) done.add(current);
        current = key;
      }
      return byPartition.of(part.topic, part.partition);
    },
    digestHex: () => byPartition.digestHex(),
  };
}
