import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PLATFORM_RUN_ID } from './demo/generate.js';
import { cli, tempDir } from './test-support/cli-harness.js';
import { dropSchemas, PG_URL, setupDemoDir, uniquePrefix } from './test-support/pg.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PRID = DEMO_PLATFORM_RUN_ID;
if (!PG_URL) console.warn('@ofs/runner multi-process tests skipped: set OFS_TEST_PG_URL');

/** Spawns the built `ofs` CLI. */
function ofs(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function filesUnder(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).filter((f) => !f.includes('~tmp')) : [];
}

describe.skipIf(!PG_URL)('several worker processes on a PostgreSQL ledger (built CLI)', async () => {
  const url = PG_URL!;
  const { dir: root, cleanup } = await tempDir();
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropSchemas(url, p);
    await cleanup();
  });
  const corridorArgs = (dir: string, prefix: string) => ['--dir', dir, '--database-url', url, '--database-schema', prefix];

  it('a worker SIGKILLed mid-build is resumed by another after lease expiry, giving the same manifest bytes as a clean build', async () => {
    expect(existsSync(CLI), 'build the runner first (pnpm build)').toBe(true);
    const [a, b] = [uniquePrefix(), uniquePrefix()];
    prefixes.push(a, b);
    const dirA = join(root, 'killed');
    const dirB = join(root, 'clean');
    await setupDemoDir(dirA, { events: 12_000, url, prefix: a, partRows: 300 });
    await setupDemoDir(dirB, { events: 12_000, url, prefix: b, partRows: 300 });

    const submitted = await cli(['submit', join(dirA, 'intents/build.json'), ...corridorArgs(dirA, a), '--json']);
    expect(submitted.code).toBe(0);
    const runKey = submitted.json().run.run_key;

    const partsDir = join(dirA, 'store', PRID, 'ofs', 'parts');
    const first = ofs(['worker', '--once', '--lease-ms', '1500', ...corridorArgs(dirA, a)]);
    while ((await filesUnder(partsDir)).length < 2) {
      expect(first.child.exitCode, 'the first worker finished before it could be killed').toBeNull();
      await sleep(10);
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(await filesUnder(join(dirA, 'store', PRID, 'ofs', 'manifests'))).toEqual([]);
    const mid = await cli(['status', runKey, ...corridorArgs(dirA, a), '--json']);
    expect(mid.json().run.state).toBe('RUNNING');

    // Before the lease lapses nobody else may take the run; after it, a second worker resumes it.
    await sleep(1_700);
    const second = await ofs(['worker', '--once', '--lease-ms', '1500', ...corridorArgs(dirA, a), '--json']).done;
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ processed: 1, states: { DONE: 1 } });
    const status = (await cli(['status', runKey, ...corridorArgs(dirA, a), '--json'])).json();
    expect(status.run).toMatchObject({ state: 'DONE', outcome: 'NEW', full_run_attempts: 2 });
    expect(status.events.some((e: { type: string }) => e.type === 'LEASE_EXPIRED')).toBe(true);

    const clean = await cli(['build', join(dirB, 'intents/build.json'), ...corridorArgs(dirB, b), '--json']);
    expect(clean.code).toBe(0);
    const key = status.run.manifest_key;
    expect(clean.json().run.manifest_key).toBe(key);
    expect(await readFile(join(dirA, 'store', key))).toEqual(await readFile(join(dirB, 'store', key)));
    const verify = await cli(['verify', key, ...corridorArgs(dirA, a)]);
    expect(verify.code).toBe(0);
  });

  it('4 worker processes × 40 requests with duplicates publish every plan exactly once', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const dir = join(root, 'fleet');
    await setupDemoDir(dir, { events: 800, url, prefix });
    const base = JSON.parse(await readFile(join(dir, 'intents/build.json'), 'utf8'));
    // 10 meanings (label cutoffs an hour apart) × 3 request ids each, plus 10 exact resubmissions.
    const requests: Record<string, unknown>[] = [];
    for (let m = 0; m < 10; m++) {
      const asof = new Date(Date.parse(base.label_basis.label_asof_utc) + m * 3600_000).toISOString();
      for (let r = 0; r < 3; r++) {
        requests.push({ ...base, request_id: `fleet.m${m}.r${r}`, label_basis: { ...base.label_basis, label_asof_utc: asof } });
      }
    }
    for (let i = 0; i < 10; i++) requests.push(requests[i * 3]!);
    // Dropped into the inbox, so the workers race on submission too.
    const { createFsObjectStore } = await import('@ofs/fs');
    const store = createFsObjectStore({ root: join(dir, 'store') });
    for (const [i, body] of requests.entries()) {
      await store.putIfAbsent(`${PRID}/ofs/inbox/req-${String(i).padStart(3, '0')}.json`, new TextEncoder().encode(JSON.stringify(body)));
    }
    const workers = Array.from(
      { length: 4 },
      () =>
        ofs(['worker', '--once', '--inbox', '--platform-run-id', PRID, '--concurrency', '2', ...corridorArgs(dir, prefix), '--json']).done,
    );
    const results = await Promise.all(workers);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // A run requeued or left by a worker that had already stopped would still be claimable: finish it.
    await ofs(['worker', '--once', '--inbox', '--platform-run-id', PRID, ...corridorArgs(dir, prefix)]).done;

    const { createDefaultCorridor } = await import('./default-corridor.js');
    const corridor = await createDefaultCorridor({ dir, databaseUrl: url, databaseSchemaPrefix: prefix });
    try {
      const runs = await corridor.ledger.list({ limit: 1000 });
      expect(runs).toHaveLength(30);
      expect(runs.every((r) => r.state === 'DONE')).toBe(true);
      const byPlan = new Map<string, string[]>();
      for (const r of runs) byPlan.set(r.plan_id!, [...(byPlan.get(r.plan_id!) ?? []), r.outcome!]);
      expect(byPlan.size).toBe(10);
      for (const outcomes of byPlan.values()) {
        expect(outcomes.filter((o) => o === 'NEW')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'ALREADY_PUBLISHED')).toHaveLength(2);
      }
      expect(await filesUnder(join(dir, 'store', PRID, 'ofs', 'manifests'))).toHaveLength(10);
      expect((await filesUnder(join(dir, 'store', PRID, 'ofs', 'inbox', 'receipts'))).length).toBe(40);
    } finally {
      await corridor.close();
    }
  });
});
