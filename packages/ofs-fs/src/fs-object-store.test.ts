import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOfsError } from '@ofs/contracts';
import { readJson, writeOnceJson } from '@ofs/ids';
import { describeObjectStoreContract } from '@ofs/contracts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsObjectStore } from './fs-object-store.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-fs-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => new TextEncoder().encode(s);
async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}

describeObjectStoreContract('fs', async () => createFsObjectStore({ root: join(await tempDir(), 'store') }));
describeObjectStoreContract('fs (no fsync)', async () => createFsObjectStore({ root: await tempDir(), fsync: false }));

describe('fs object store', () => {
  it('stores each key as a file below the root and leaves no temporary files', async () => {
    const root = await tempDir();
    const store = createFsObjectStore({ root });
    await store.putIfAbsent('run/ofs/plans/p.json', text('{"a":1}'));
    expect(await readFile(join(root, 'run/ofs/plans/p.json'), 'utf8')).toBe('{"a":1}');
    expect(await readdir(join(root, 'run/ofs/plans'))).toEqual(['p.json']);
  });

  it('ignores stray temporary files and symlinks when listing', async () => {
    const root = await tempDir();
    const store = createFsObjectStore({ root });
    await store.putIfAbsent('run/a', text('a'));
    await writeFile(join(root, 'run', '.~ofs-tmp-123-dead'), 'partial');
    await symlink(join(root, 'run', 'a'), join(root, 'run', 'b'));
    expect(await collect(store.list('run/'))).toEqual(['run/a']);
  });

  it('refuses a directory symlink that escapes the root, and writes nothing outside', async () => {
    const outside = await tempDir();
    const root = await tempDir();
    await symlink(outside, join(root, 'run'));
    const store = createFsObjectStore({ root });
    expect(await codeOf(store.putIfAbsent('run/ofs/plans/x.json', text('x')))).toBe('REF_INVALID');
    expect(await codeOf(store.putIfAbsent('run/x.json', text('x')))).toBe('REF_INVALID');
    await writeFile(join(outside, 'secret.json'), '{"secret":true}');
    expect(await codeOf(store.get('run/secret.json'))).toBe('REF_INVALID');
    expect(await codeOf(collect(store.list('run/')))).toBe('REF_INVALID');
    expect(await readdir(outside)).toEqual(['secret.json']);
  });

  it('refuses an object that is a symlink, even to a file outside the root', async () => {
    const outside = await tempDir();
    const root = await tempDir();
    await writeFile(join(outside, 'passwd'), 'root:x:0:0');
    await mkdir(join(root, 'run'));
    await symlink(join(outside, 'passwd'), join(root, 'run', 'facts.json'));
    const store = createFsObjectStore({ root });
    expect(await codeOf(store.get('run/facts.json'))).toBe('REF_INVALID');
    expect(await codeOf(store.putIfAbsent('run/facts.json', text('x')))).toBe('REF_INVALID');
    expect(await readFile(join(outside, 'passwd'), 'utf8')).toBe('root:x:0:0');
  });

  it('follows a directory symlink that stays inside the root', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    const store = createFsObjectStore({ root });
    expect(await store.putIfAbsent('alias/x', text('x'))).toEqual({ created: true });
    expect(await readFile(join(root, 'real', 'x'), 'utf8')).toBe('x');
  });

  it('refuses a key whose path runs through an existing object', async () => {
    const store = createFsObjectStore({ root: await tempDir() });
    await store.putIfAbsent('run/a', text('a'));
    expect(await codeOf(store.putIfAbsent('run/a/b', text('b')))).toBe('REF_INVALID');
    expect(await store.get('run/a/b')).toBeUndefined();
    expect(await store.get('run')).toBeUndefined();
  });

  it('reads nothing and lists nothing before the root exists', async () => {
    const root = join(await tempDir(), 'not-yet');
    const store = createFsObjectStore({ root });
    expect(await store.get('a/b')).toBeUndefined();
    expect(await collect(store.list(''))).toEqual([]);
    expect(await store.stat?.('a/b')).toBeUndefined();
  });

  it('reports a partial JSON object (left by a non-atomic writer) as ARTIFACT_CORRUPT, never a raw error', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'run', 'ofs', 'plans'), { recursive: true });
    await writeFile(join(root, 'run', 'ofs', 'plans', 'p.json'), '{"plan_id":"plan_');
    await writeFile(join(root, 'run', 'ofs', 'plans', 'empty.json'), '');
    const store = createFsObjectStore({ root });
    expect(await codeOf(readJson(store, 'run/ofs/plans/p.json'))).toBe('ARTIFACT_CORRUPT');
    expect(await codeOf(readJson(store, 'run/ofs/plans/empty.json'))).toBe('ARTIFACT_CORRUPT');
    expect(await codeOf(writeOnceJson(store, 'run/ofs/plans/p.json', { plan_id: 'plan_x' }))).toBe('ARTIFACT_IMMUTABILITY_VIOLATION');
    expect(await writeOnceJson(store, 'run/ofs/plans/q.json', { plan_id: 'plan_x' })).toBe('created');
    expect(await writeOnceJson(store, 'run/ofs/plans/q.json', { plan_id: 'plan_x' })).toBe('identical');
    expect(await readJson(store, 'run/ofs/plans/q.json')).toEqual({ plan_id: 'plan_x' });
  });

  it('refuses a FIFO planted as an object at once (get and putIfAbsent never wait for a writer)', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'run'));
    execFileSync('mkfifo', [join(root, 'run', 'plan.json')]);
    const store = createFsObjectStore({ root });
    // Without O_NONBLOCK the open blocks until a writer appears: these would hang (test timeout).
    expect(await codeOf(store.get('run/plan.json'))).toBe('OBJECT_NOT_REGULAR_FILE');
    expect(await codeOf(store.putIfAbsent('run/plan.json', text('x')))).toBe('OBJECT_NOT_REGULAR_FILE');
    expect(await codeOf(readJson(store, 'run/plan.json'))).toBe('OBJECT_NOT_REGULAR_FILE');
    expect((await lstat(join(root, 'run', 'plan.json'))).isFIFO()).toBe(true);
    expect(await store.stat?.('run/plan.json')).toBeUndefined();
    expect(await collect(store.list('run/'))).toEqual([]);
  });

  it('refuses a unix socket planted as an object', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'run'));
    const server = createServer();
    await new Promise<void>((done) => server.listen(join(root, 'run', 'sock'), done));
    try {
      const store = createFsObjectStore({ root });
      expect(await codeOf(store.get('run/sock'))).toBe('OBJECT_NOT_REGULAR_FILE');
      expect(await codeOf(store.putIfAbsent('run/sock', text('x')))).toBe('OBJECT_NOT_REGULAR_FILE');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('reports I/O failures as retryable STORE_UNAVAILABLE', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'file'), 'not a directory');
    const store = createFsObjectStore({ root: join(root, 'file', 'store') });
    try {
      await store.putIfAbsent('a/b', text('x'));
      expect.unreachable();
    } catch (error) {
      expect(isOfsError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(true);
    }
  });
});
