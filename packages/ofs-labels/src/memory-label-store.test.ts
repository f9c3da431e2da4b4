import { describeLabelStoreContract } from '@ofs/contracts/testing';
import { createMemoryLabelStore } from './memory-label-store.js';

describeLabelStoreContract('memory', async () => createMemoryLabelStore());
