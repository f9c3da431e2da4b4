// `@ofs/contracts/base`: the error type, the code catalogue, text and instant helpers — without
// the TypeBox schemas, so code that only needs `OfsError` (e.g. `@ofs/ids/base` in a browser)
// does not bundle typebox (D80). `@ofs/contracts` re-exports all of it; both entries share one
// `OfsError` class, so `isOfsError` works across them.
export * from '../catalogue.js';
export * from '../errors.js';
export * from '../text.js';
export * from '../time.js';
