export { decodeKinesisEnvelope, encodeKinesisEnvelope, KINESIS_SEQUENCE, type RecordPosition } from './envelope.js';
export { kinesisCodeOf, toSourceError } from './errors.js';
export { createKinesisSource, type KinesisSourceOptions } from './kinesis-source.js';
export { defaultShardMapping, type ShardMapping } from './shards.js';
