import { isOfsError, type ObjectStore, type PutResult } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { utf8 } from './sha256.js';
import { readJson, writeOnceJson } from './write-once.js';

function mapStore(): ObjectStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    async get(key) {
      return objects.get(key);
    },
    async putIfAbsent(key, bytes): Promise<PutResult> {
      const existing = objects.get(key);
      if (existing) return { created: false, existing };
      objects.set(key, bytes);
      return { created: true };
    },
    async *list() {},
  };
}

describe('writeOnceJson', () => {
  it('creates, then converges on identical content written in another key order', async () => {
    const store = mapStore();
    expect(await writeOnceJson(store, 'r/ofs/plans/p.json', { b: 1, a: [1, 2] })).toBe('created');
    expect(await writeOnceJson(store, 'r/ofs/plans/p.json', { a: [1, 2], b: 1 })).toBe('identical');
    expect(new TextDecoder().decode(store.objects.get('r/ofs/plans/p.json'))).toBe(canonicalJson({ a: [1, 2], b: 1 }));
  });

  it('refuses different bytes and leaves the object untouched', async () => {
    const store = mapStore();
    await writeOnceJson(store, 'k.json', { v: 1 });
    const error = await writeOnceJson(store, 'k.json', { v: 2 }).catch((e: unknown) => e);
    expect(isOfsError(error, 'ARTIFACT_IMMUTABILITY_VIOLATION')).toBe(true);
    expect(await readJson(store, 'k.json')).toEqual({ v: 1 });
  });

  it('wraps a failing store into a retryable STORE_UNAVAILABLE', async () => {
    const store = { ...mapStore(), putIfAbsent: async () => Promise.reject(new Error('EIO')) };
    const error = await writeOnceJson(store, 'k.json', {}).catch((e: unknown) => e);
    expect(isOfsError(error, 'STORE_UNAVAILABLE')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });
});

describe('readJson', () => {
  it('returns undefined for a missing key and ARTIFACT_CORRUPT for bytes that are not JSON', async () => {
    const store = mapStore();
    expect(await readJson(store, 'missing.json')).toBeUndefined();
    await store.putIfAbsent('bad.json', utf8('{"truncated":'));
    const error = await readJson(store, 'bad.json').catch((e: unknown) => e);
    expect(isOfsError(error, 'ARTIFACT_CORRUPT')).toBe(true);
  });
});
