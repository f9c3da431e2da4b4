export * from './canonical-json.js';
export * from './sha256.js';
export * from './python-str.js';
export * from './identity.js';
export * from './evidence-digest.js';
export * from './write-once.js';
export * from './envelope-hash.js';
export * from './label-assertion-ids.js';
