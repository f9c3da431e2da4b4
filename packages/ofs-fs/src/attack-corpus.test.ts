import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isOfsError } from '@ofs/contracts';
import { HOSTILE_REF_RUN, HOSTILE_REFS, INVALID_OBJECT_KEYS } from '@ofs/contracts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsObjectStore } from './fs-object-store.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isDirectory()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('attack corpus against the fs object store', () => {
  it('refuses every hostile key and writes nothing outside the root', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ofs-attack-'));
    dirs.push(parent);
    const root = join(parent, 'root');
    const outside = join(parent, 'outside');
    await mkdir(join(root, HOSTILE_REF_RUN), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.json'), '{"secret":true}');
    // Planted symlinks: a run directory and an object that lead out of the root.
    await symlink(outside, join(root, 'platform_evil'));
    await symlink(join(outside, 'secret.json'), join(root, HOSTILE_REF_RUN, 'facts.json'));
    await symlink('../../outside', join(root, HOSTILE_REF_RUN, 'up'));
    const store = createFsObjectStore({ root });
    const bytes = new TextEncoder().encode('{"attack":true}');

    const hostile = [...new Set([...HOSTILE_REFS, ...INVALID_OBJECT_KEYS])];
    expect(hostile.length).toBeGreaterThanOrEqual(30);
    for (const key of hostile) {
      const label = JSON.stringify(key.slice(0, 80));
      expect(await codeOf(store.putIfAbsent(key, bytes)), label).toBe('REF_INVALID');
      expect(await codeOf(store.get(key)), label).toBe('REF_INVALID');
      expect(await codeOf(store.delete?.(key) ?? Promise.reject(new Error('no delete'))), label).toBe('REF_INVALID');
      expect(await codeOf(store.stat?.(key) ?? Promise.reject(new Error('no stat'))), label).toBe('REF_INVALID');
    }
    for (const key of [
      'platform_evil/x.json',
      'platform_evil/ofs/plans/p.json',
      `${HOSTILE_REF_RUN}/up/x.json`,
      `${HOSTILE_REF_RUN}/facts.json`,
    ]) {
      expect(await codeOf(store.putIfAbsent(key, bytes)), key).toBe('REF_INVALID');
      expect(await codeOf(store.get(key)), key).toBe('REF_INVALID');
    }
    expect(await codeOf(store.get('platform_evil/secret.json'))).toBe('REF_INVALID');
    expect(await codeOf(store.delete?.('platform_evil/secret.json') ?? Promise.resolve())).toBe('REF_INVALID');

    expect(await filesUnder(outside)).toEqual(['secret.json']);
    expect((await readdir(parent)).sort()).toEqual(['outside', 'root']);
    // Legitimate writes still work beside the planted links.
    expect(await store.putIfAbsent(`${HOSTILE_REF_RUN}/ofs/plans/p.json`, bytes)).toEqual({ created: true });
    expect(await filesUnder(outside)).toEqual(['secret.json']);
  });
});
