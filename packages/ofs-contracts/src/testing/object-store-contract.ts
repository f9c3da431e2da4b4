import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../ports/object-store.js';
import { expectCode } from './expect-code.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out;
}

/** Keys every store must refuse with `REF_INVALID`. */
export const INVALID_OBJECT_KEYS: readonly string[] = [
  '',
  '/abs/key',
  'a//b',
  'a/b/',
  '../escape',
  'a/../../escape',
  'a/./b',
  '.',
  'a\\b',
  'a/b\u0000c',
  'a/%2e%2e/b',
  'a b',
  'caf\u00e9',
  'a/\u2024\u2024/b',
  'x'.repeat(2000),
];

/**
 * The `ObjectStore` contract: every adapter (memory, fs, S3, …) runs it with a factory that
 * returns a fresh, empty store. Call it inside a vitest test file.
 */
export function describeObjectStoreContract(name: string, make: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it('returns undefined for a missing key', async () => {
      const store = await make();
      expect(await store.get('run/ofs/missing.json')).toBeUndefined();
    });

    it('stores bytes once and returns them unchanged, including empty and binary objects', async () => {
      const store = await make();
      const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(await store.putIfAbsent('run/ofs/a.bin', binary)).toEqual({ created: true });
      expect(await store.putIfAbsent('run/ofs/empty', new Uint8Array())).toEqual({ created: true });
      expect(Array.from((await store.get('run/ofs/a.bin')) ?? [])).toEqual(Array.from(binary));
      expect((await store.get('run/ofs/empty'))?.byteLength).toBe(0);
    });

    it('never replaces an object and returns the existing bytes instead', async () => {
      const store = await make();
      expect(await store.putIfAbsent('k/one', text('first'))).toEqual({ created: true });
      const second = await store.putIfAbsent('k/one', text('second'));
      expect(second.created).toBe(false);
      if (!second.created) expect(new TextDecoder().decode(second.existing)).toBe('first');
      expect(new TextDecoder().decode(await store.get('k/one'))).toBe('first');
    });

    it('is not affected by callers mutating the buffers they passed or received', async () => {
      const store = await make();
      const bytes = text('abc');
      await store.putIfAbsent('k/mut', bytes);
      bytes[0] = 0x7a;
      const got = await store.get('k/mut');
      expect(new TextDecoder().decode(got)).toBe('abc');
      if (got) got[0] = 0x7a;
      expect(new TextDecoder().decode(await store.get('k/mut'))).toBe('abc');
    });

    it('creates a key exactly once under 20 concurrent writers', async () => {
      const store = await make();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.putIfAbsent('race/key.json', text(`writer-${String(i).padStart(2, '0')}`))),
      );
      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      const stored = new TextDecoder().decode(await store.get('race/key.json'));
      expect(stored).toMatch(/^writer-\d\d$/);
      for (const r of results) {
        if (!r.created) expect(new TextDecoder().decode(r.existing)).toBe(stored);
      }
    });

    it('creates 20 distinct keys under concurrent writers', async () => {
      const store = await make();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent(`many/k${i}`, text(String(i)))));
      expect(results.every((r) => r.created)).toBe(true);
      expect(await collect(store.list('many/'))).toHaveLength(20);
    });

    it('lists keys under a prefix in ascending byte order', async () => {
      const store = await make();
      const keys = ['p/b', 'p/a.x', 'p/a/c', 'p/a-x', 'p/a/b/z', 'p/A', 'p/0', 'q/a', 'pa/x', 'p/a_x', 'p/a=x'];
      for (const key of keys) await store.putIfAbsent(key, text(key));
      const expected = keys.filter((k) => k.startsWith('p/')).sort();
      expect(await collect(store.list('p/'))).toEqual(expected);
      expect(await collect(store.list(''))).toEqual([...keys].sort());
      expect(await collect(store.list('p/a'))).toEqual(expected.filter((k) => k.startsWith('p/a')));
      expect(await collect(store.list('p/a/'))).toEqual(['p/a/b/z', 'p/a/c']);
      expect(await collect(store.list('nothing/'))).toEqual([]);
    });

    it('paginates with after and limit without skipping or repeating keys', async () => {
      const store = await make();
      const keys = Array.from({ length: 23 }, (_, i) => `page/${i % 3 === 0 ? `d${i}/` : ''}k${String(i).padStart(2, '0')}`);
      for (const key of keys) await store.putIfAbsent(key, text(key));
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await collect(store.list('page/', after === undefined ? { limit: 5 } : { after, limit: 5 }));
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(5);
        pages.push(page);
        after = page.at(-1);
      }
      expect(pages.flat()).toEqual([...keys].sort());
      expect(await collect(store.list('page/', { after: 'page/k10' }))).toEqual(keys.filter((k) => k > 'page/k10').sort());
      expect(await collect(store.list('page/', { after: 'zzz' }))).toEqual([]);
      expect(await collect(store.list('page/', { limit: 0 }))).toEqual([]);
    });

    it('refuses invalid keys with REF_INVALID and writes nothing', async () => {
      const store = await make();
      for (const key of INVALID_OBJECT_KEYS) {
        await expectCode(store.putIfAbsent(key, text('x')), 'REF_INVALID');
        await expectCode(store.get(key), 'REF_INVALID');
      }
      await expectCode(collect(store.list('/abs')), 'REF_INVALID');
      await expectCode(collect(store.list('../')), 'REF_INVALID');
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('throws ABORTED when the signal is already aborted', async () => {
      const store = await make();
      const signal = AbortSignal.abort();
      await expectCode(store.putIfAbsent('k/x', text('x'), { signal }), 'ABORTED');
      await expectCode(store.get('k/x', { signal }), 'ABORTED');
      expect(await store.get('k/x')).toBeUndefined();
    });

    it('stats and deletes objects when it supports them', async () => {
      const store = await make();
      await store.putIfAbsent('gc/part.jsonl', text('12345'));
      if (store.stat) {
        const stat = await store.stat('gc/part.jsonl');
        expect(stat?.size).toBe(5);
        expect(Number.isFinite(stat?.modifiedMs)).toBe(true);
        expect(await store.stat('gc/none')).toBeUndefined();
      }
      if (store.delete) {
        await store.delete('gc/part.jsonl');
        await store.delete('gc/part.jsonl');
        expect(await store.get('gc/part.jsonl')).toBeUndefined();
        expect(await collect(store.list('gc/'))).toEqual([]);
        expect(await store.putIfAbsent('gc/part.jsonl', text('again'))).toEqual({ created: true });
        await expectCode(store.delete('../x'), 'REF_INVALID');
      }
    });
  });
}
