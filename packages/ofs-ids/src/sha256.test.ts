import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNobleSha256, createNodeSha256, createSha256, sha256Hex } from './sha256.js';

describe('sha256', () => {
  it('matches the known digest of "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('node:crypto and @noble/hashes agree on 1,000 random inputs, whole and chunked', () => {
    expect(createNodeSha256()).toBeDefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string({ unit: 'grapheme' }), fc.nat(2048), (bytes, text, cut) => {
        const node = createNodeSha256()!;
        const noble = createNobleSha256();
        const at = Math.min(cut, bytes.length);
        node.update(bytes.subarray(0, at)).update(bytes.subarray(at)).update(text);
        noble.update(bytes).update(text);
        expect(node.digestHex()).toBe(noble.digestHex());
      }),
      { numRuns: 1000 },
    );
    expect(createSha256().update('x').digestHex()).toBe(createNobleSha256().update('x').digestHex());
  });
});
