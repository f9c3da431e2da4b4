import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** An incremental SHA-256. */
export interface Sha256 {
  /** Feeds bytes (strings are UTF-8 encoded). */
  update(data: Uint8Array | string): Sha256;
  /** Finishes and returns the lowercase hex digest. */
  digestHex(): string;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

type NodeCrypto = { createHash(alg: 'sha256'): { update(d: Uint8Array | string, enc?: 'utf8'): unknown; digest(enc: 'hex'): string } };

// `node:crypto` is ~10× faster than the pure-JS hash; it is loaded when the runtime has it.
let nodeCrypto: NodeCrypto | undefined;
try {
  const mod = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto');
  if (mod && typeof (mod as NodeCrypto).createHash === 'function') nodeCrypto = mod as NodeCrypto;
} catch {
  nodeCrypto = undefined;
}

/** SHA-256 with `@noble/hashes` only (the portable path; used where `node:crypto` is absent). */
export function createNobleSha256(): Sha256 {
  const h = nobleSha256.create();
  const api: Sha256 = {
    update(data) {
      h.update(typeof data === 'string' ? utf8(data) : data);
      return api;
    },
    digestHex: () => bytesToHex(h.digest()),
  };
  return api;
}

/** SHA-256 with `node:crypto`, or `undefined` where it is not available. */
export function createNodeSha256(): Sha256 | undefined {
  if (!nodeCrypto) return undefined;
  const h = nodeCrypto.createHash('sha256');
  const api: Sha256 = {
    update(data) {
      if (typeof data === 'string') h.update(data, 'utf8');
      else h.update(data);
      return api;
    },
    digestHex: () => h.digest('hex'),
  };
  return api;
}

/** An incremental SHA-256: `node:crypto` when present, `@noble/hashes` otherwise. */
export function createSha256(): Sha256 {
  return createNodeSha256() ?? createNobleSha256();
}

/** Lowercase hex SHA-256 of bytes, or of a string's UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createSha256().update(data).digestHex();
}
