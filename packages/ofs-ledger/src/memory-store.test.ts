import { describeLedgerStoreContract } from '@ofs/contracts/testing';
import { createMemoryLedgerStore } from './memory-store.js';
import { describeLedgerBehaviour } from './testing/ledger-behaviour.js';

describeLedgerStoreContract('memory', async () => createMemoryLedgerStore());
describeLedgerBehaviour('memory', async () => createMemoryLedgerStore());
