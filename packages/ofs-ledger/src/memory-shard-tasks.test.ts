import { describeShardTaskStoreContract } from '@ofs/contracts/testing';
import { createMemoryShardTaskStore } from './memory-shard-tasks.js';

describeShardTaskStoreContract('memory', async () => createMemoryShardTaskStore());
