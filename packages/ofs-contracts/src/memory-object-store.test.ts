import { describe, expect, it } from 'vitest';
import { createMemoryObjectStore } from './memory-object-store.js';
import { assertObjectKey, assertObjectKeyPrefix, isObjectKey, MAX_OBJECT_KEY_LENGTH } from './object-key.js';
import { describeObjectStoreContract } from './testing/object-store-contract.js';

describeObjectStoreContract('memory', async () => createMemoryObjectStore());

describe('object keys', () => {
  it('accepts the corridor layout', () => {
    for (const key of [
      'platform_20260210T113700Z/ofs/plans/plan_0123456789abcdef0123456789abcdef.json',
      'run/ofs/parts/a.jsonl',
      'ofs/profile_digests/x.json',
      '.hidden/a=b-c_d.e',
      'a',
    ]) {
      expect(isObjectKey(key), key).toBe(true);
      expect(() => assertObjectKey(key)).not.toThrow();
    }
  });

  it('bounds the length', () => {
    const segment = 'a'.repeat(200);
    const long = Array.from({ length: 6 }, () => segment).join('/');
    expect(long.length).toBeGreaterThan(MAX_OBJECT_KEY_LENGTH);
    expect(isObjectKey(long)).toBe(false);
    expect(isObjectKey('a'.repeat(256))).toBe(false);
    expect(isObjectKey('a'.repeat(255))).toBe(true);
    expect(isObjectKey(Array.from({ length: 33 }, () => 'a').join('/'))).toBe(false);
  });

  it('refuses non-strings with REF_INVALID', () => {
    for (const key of [undefined, null, 42, {}, ['a']]) {
      expect(isObjectKey(key)).toBe(false);
      expect(() => assertObjectKey(key)).toThrow(expect.objectContaining({ code: 'REF_INVALID' }));
    }
  });

  it('validates list prefixes: partial last segment allowed, traversal not', () => {
    for (const prefix of ['', 'run/', 'run/ofs/pa', 'run/ofs/parts/']) expect(() => assertObjectKeyPrefix(prefix)).not.toThrow();
    for (const prefix of ['/', '../', 'a/../', 'a//', 'a\u0000', 'a/%2e', './x/']) {
      expect(() => assertObjectKeyPrefix(prefix), prefix).toThrow(expect.objectContaining({ code: 'REF_INVALID' }));
    }
  });

  it('renders hostile keys printably in messages', () => {
    try {
      assertObjectKey('a/\u0000/\u202e');
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message.includes('\u0000') || message.includes('\u202e')).toBe(false);
    }
  });
});

describe('memory object store', () => {
  it('records stat times from the injected clock', async () => {
    const store = createMemoryObjectStore({ clock: { now: () => 1234 } });
    await store.putIfAbsent('a/b', new Uint8Array([1]));
    expect(await store.stat?.('a/b')).toEqual({ size: 1, modifiedMs: 1234 });
  });
});
