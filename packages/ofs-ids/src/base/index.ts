// `@ofs/ids/base`: canonical JSON, SHA-256, Python-compatible string helpers and the envelope
// hash, importable without typebox (only `@ofs/contracts/base` and `@noble/hashes`). A browser
// bundle of `canonicalJson` alone is measured in bench/results/bundle.md (D80).
// `@ofs/ids` re-exports all of it.
export * from '../canonical-json.js';
export * from '../sha256.js';
export * from '../python-str.js';
export * from '../envelope-hash.js';
export * from '../label-assertion-ids.js';
