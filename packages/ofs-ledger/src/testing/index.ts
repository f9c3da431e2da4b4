// Ledger behaviour suite for LedgerStore adapters, plus test helpers (sample intent, manual clock).
// Import from `@ofs/ledger/testing` inside a vitest test file.
export { describeLedgerBehaviour, manualClock, sampleIntent, type ManualClock } from './ledger-behaviour.js';
