/** Maps a topic partition to the id of the shard that holds it. */
export type ShardMapping = (partition: number) => string;

/**
 * The default mapping: partition `n` is the shard `shardId-{n, 12 digits}`. Kinesis numbers its
 * shards that way in creation order, so a stream's original shards are partitions 0…k−1 and the
 * children of a split or merge are the next partitions.
 */
export const defaultShardMapping: ShardMapping = (partition) => `shardId-${String(partition).padStart(12, '0')}`;
