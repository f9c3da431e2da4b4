import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './test-support/cli-harness.js';

/** Every file under `dir`, by path relative to it. */
async function files(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out.set(relative(dir, path), await readFile(path));
  }
  return out;
}

describe('ofs demo --threads: the same bytes for any thread count', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-threads-');
  afterAll(cleanup);

  it('1, 2 and 3 threads write byte-identical parts, receipts, statistics and manifest (duplicates across partitions)', async () => {
    const stores: Map<string, Buffer>[] = [];
    let manifestKey = '';
    for (const threads of ['1', '2', '3']) {
      const dir = join(root, `t${threads}`);
      const result = await cli(['demo', '--dir', dir, '--events', '2500', '--threads', threads, '--json']);
      if (result.code !== 0) console.error(result.stderr, result.stdout);
      expect(result.code).toBe(0);
      const demo = result.json();
      expect(demo.draft.duplicates_dropped).toBeGreaterThan(0);
      if (manifestKey === '') manifestKey = demo.manifest_key;
      expect(demo.manifest_key).toBe(manifestKey);
      const run = manifestKey.split('/')[0] as string;
      stores.push(await files(join(dir, 'store', run, 'ofs')));
    }
    const [one, ...others] = stores;
    expect([...(one as Map<string, Buffer>).keys()].some((k) => k.startsWith('parts/'))).toBe(true);
    for (const other of others) {
      // Plans, receipts, parts, statistics, manifest and index; the ledger and the inbox are not in the store.
      expect([...other.keys()].sort()).toEqual([...(one as Map<string, Buffer>).keys()].sort());
      for (const [key, bytes] of other) expect(bytes.equals((one as Map<string, Buffer>).get(key) as Buffer), key).toBe(true);
    }
  });

  it('--threads must be a whole number ≥ 1', async () => {
    const result = await cli(['demo', '--dir', join(root, 'bad'), '--threads', '0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^CLI_ARGUMENT_INVALID: --threads/);
  });
});
