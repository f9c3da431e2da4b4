import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetManifestV1, ObjectStore, PlanIndexEntry } from '@ofs/contracts';
import { createFsObjectStore } from '@ofs/fs';
import { sha256Hex } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_TOPIC } from '@ofs/features';
import { at, payment, record, resolved, RUN, testPlan, testPolicy } from './test-support.js';

// The child runs the *built* packages (CI builds before testing; locally run
// `pnpm turbo run build --filter @ofs/publish...` first).
const pkg = fileURLToPath(new URL('..', import.meta.url));
const CHILD = join(pkg, 'test', 'crash-child.mjs');
const BUILT = ['ofs-publish', 'ofs-fs', 'ofs-labels', 'ofs-replay', 'ofs-ids', 'ofs-contracts'].every((p) =>
  existsSync(join(pkg, '..', p, 'dist', 'index.js')),
);

interface ChildResult {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(input: string, root: string, options: { killAtWrite?: number; killAfterMs?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (options.killAtWrite !== undefined) env.OFS_KILL_AT_WRITE = String(options.killAtWrite);
    const child = spawn(process.execPath, [CHILD, input, root], { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The law: a visible manifest (or index entry) always has every part and receipt it names, with matching bytes. */
async function assertNothingHalfPublished(store: ObjectStore): Promise<number> {
  let manifests = 0;
  const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
  for await (const key of store.list(`${RUN}/ofs/manifests/`)) {
    manifests++;
    const manifest = decode((await store.get(key))!) as DatasetManifestV1;
    for (const part of manifest.parts) {
      const bytes = await store.get(part.key);
      expect(bytes, `part ${part.key} of ${key}`).toBeDefined();
      expect(sha256Hex(bytes!)).toBe(part.sha256);
    }
    for (const ref of Object.values(manifest.evidence)) {
      const bytes = await store.get(ref.key);
      expect(bytes, `evidence ${ref.key} of ${key}`).toBeDefined();
      expect(sha256Hex(bytes!)).toBe(ref.sha256);
    }
  }
  for await (const key of store.list(`${RUN}/ofs/index/by_plan/`)) {
    const entry = decode((await store.get(key))!) as PlanIndexEntry;
    const bytes = await store.get(entry.manifest.key);
    expect(bytes, `manifest named by ${key}`).toBeDefined();
    expect(sha256Hex(bytes!)).toBe(entry.manifest.sha256);
  }
  return manifests;
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-publish-crash-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!BUILT)('crash safety (SIGKILLed publisher child process)', () => {
  it('never exposes a manifest without its parts and receipts, and every rerun converges to the same manifest', async () => {
    const policy = testPolicy({ part_rows: 50 });
    const slices = [0, 1].map((partition) => ({
      topic: DEMO_TOPIC,
      partition,
      offset_kind: 'kafka_offset',
      start_offset: '0',
      end_offset: '199',
    }));
    const plan = testPlan({ slices, policy, training: 'NON_TRAINING' });
    const records = slices.flatMap((s) =>
      Array.from({ length: 200 }, (_, o) =>
        record(o, `evt_${s.partition}_${o}`, at(o), payment(`c${o % 17}`, `m${o % 5}`, `${o}.25`), { partition: s.partition }),
      ),
    );
    const assertions = records
      .filter((_, i) => i % 3 === 0)
      .map((r) => ({
        platform_run_id: RUN,
        event_id: r.event_id,
        label_type: 'fraud_disposition',
        value: 'LEGIT',
        effective_time: at(1),
        observed_time: at(2),
        assertion_id: `a_${r.event_id}`,
      }));
    const work = await tempDir();
    const input = join(work, 'input.json');
    await writeFile(input, JSON.stringify({ plan, policy, profile: resolved(), records, assertions }));

    // Reference run, never killed.
    const refRoot = await tempDir();
    const ref = await runChild(input, refRoot);
    expect(ref.code, ref.stderr).toBe(0);
    const { manifestKey, writes } = JSON.parse(ref.stdout) as { manifestKey: string; writes: number };
    const refStore = createFsObjectStore({ root: refRoot });
    const reference = await refStore.get(manifestKey);
    expect(await assertNothingHalfPublished(refStore)).toBe(1);
    expect(writes).toBeGreaterThan(10);

    // A kill at every write boundary, then a rerun.
    for (let k = 0; k < writes; k++) {
      const root = await tempDir();
      const store = createFsObjectStore({ root });
      const crashed = await runChild(input, root, { killAtWrite: k });
      expect(crashed.signal, `kill at write ${k}: ${crashed.stdout} ${crashed.stderr}`).toBe('SIGKILL');
      const visible = await assertNothingHalfPublished(store);
      // Only the last write (the index) comes after the manifest.
      expect(visible).toBe(k >= writes - 1 ? 1 : 0);
      const rerun = await runChild(input, root);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(JSON.parse(rerun.stdout).outcome).toBe(k >= writes - 1 ? 'ALREADY_PUBLISHED' : 'NEW');
      expect(await store.get(manifestKey)).toEqual(reference);
      await assertNothingHalfPublished(store);
    }

    // Kills at random points (mid-write included), several in a row on one store, then a rerun.
    const root = await tempDir();
    const store = createFsObjectStore({ root });
    let seed = 12345;
    for (let i = 0; i < 8; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      await runChild(input, root, { killAfterMs: 40 + (seed % 400) });
      await assertNothingHalfPublished(store);
    }
    const final = await runChild(input, root);
    expect(final.code, final.stderr).toBe(0);
    expect(await store.get(manifestKey)).toEqual(reference);
    expect(await assertNothingHalfPublished(store)).toBe(1);
  }, 300_000);
});

if (!BUILT) console.warn('crash test skipped: run `pnpm turbo run build --filter @ofs/publish...` first');
