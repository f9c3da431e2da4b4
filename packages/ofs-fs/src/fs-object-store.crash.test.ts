import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper shared with the child process
import { COUNT, expectedBytes, keyOf } from '../test/crash-writer.mjs';
import { createFsObjectStore } from './fs-object-store.js';

const writer = join(import.meta.dirname, '..', 'test', 'crash-writer.mjs');
const built = existsSync(join(import.meta.dirname, '..', 'dist', 'index.js'));
if (!built) console.warn('fs crash test skipped: run `pnpm turbo run build --filter @ofs/fs...` first (it spawns the built package)');

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface RunResult {
  readonly finished: number;
  readonly exit: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Runs the writer; kills it with SIGKILL once `killAfter` objects were reported (never when undefined). */
function runWriter(root: string, killAfter?: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [writer, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let finished = 0;
    let stderr = '';
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      finished += lines.length;
      if (killAfter !== undefined && finished >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (exit, signal) => {
      if (exit !== null && exit !== 0) reject(new Error(`writer exited ${exit}: ${stderr}`));
      else resolve({ finished, exit, signal });
    });
  });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

/** Every listed object must be one of the expected objects, complete and byte-exact. */
async function verifyComplete(root: string): Promise<number> {
  const store = createFsObjectStore({ root });
  const expectedKeys = new Map(Array.from({ length: COUNT }, (_, i) => [keyOf(i) as string, i]));
  let count = 0;
  for await (const key of store.list('')) {
    const index = expectedKeys.get(key);
    expect(index, `unexpected key ${key}`).toBeDefined();
    const bytes = await store.get(key);
    expect(bytes && equalBytes(bytes, expectedBytes(index as number)), `object ${key} is partial or wrong`).toBe(true);
    count++;
  }
  return count;
}

describe.skipIf(!built)('fs object store: crash safety (SIGKILL while writing 1,000 objects)', () => {
  it('leaves only complete objects after random kills, and a rerun completes the set', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ofs-crash-'));
    dirs.push(root);
    const kills: RunResult[] = [];
    for (let round = 0; round < 10; round++) {
      const killAfter = Math.floor(Math.random() * COUNT);
      const result = await runWriter(root, killAfter);
      kills.push(result);
      const present = await verifyComplete(root);
      expect(present).toBeGreaterThanOrEqual(Math.min(killAfter, COUNT));
    }
    expect(kills.some((k) => k.signal === 'SIGKILL')).toBe(true);

    const final = await runWriter(root);
    expect(final.exit).toBe(0);
    expect(final.finished).toBe(COUNT);
    expect(await verifyComplete(root)).toBe(COUNT);
    // Killed writers may leave temporary files behind; they are invisible to readers.
    const leftovers = (await readdir(join(root, 'crash'))).filter((name) => !name.startsWith('obj-'));
    expect(leftovers.every((name) => name.startsWith('.~ofs-tmp-'))).toBe(true);
  }, 300_000);
});
