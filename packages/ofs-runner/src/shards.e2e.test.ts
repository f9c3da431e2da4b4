import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './test-support/cli-harness.js';
import { dropSchemas, PG_URL, setupDemoDir, uniquePrefix } from './test-support/pg.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!PG_URL) console.warn('@ofs/runner shard-task (multi-process) tests skipped: set OFS_TEST_PG_URL');

/** Events of the plan: 4 topic partitions, with duplicates inside and across partitions. */
const EVENTS = 16_000;

function ofs(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file the build wrote under the store's `ofs/` (plans, receipts, parts, statistics, manifest), by relative path. */
async function builtFiles(storeRunDir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(storeRunDir, { recursive: true, withFileTypes: true })) {
    // A writer killed mid-write leaves its temp file (`.~ofs-tmp-…`): never a published name, never listed by the store.
    if (!entry.isFile() || entry.name.startsWith('.~ofs-tmp-')) continue;
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out.set(relative(storeRunDir, path), await readFile(path));
  }
  return out;
}

function expectSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, bytes] of actual) expect(bytes.equals(expected.get(key) as Buffer), key).toBe(true);
}

describe.skipIf(!PG_URL)('a run fanned out into shard tasks over worker processes (PostgreSQL server, built CLI)', async () => {
  const url = PG_URL!;
  const { dir: root, cleanup } = await tempDir('ofs-shards-');
  const prefixes: string[] = [];
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  afterAll(async () => {
    for (const p of prefixes) await dropSchemas(url, p);
    await pool.end();
    await cleanup();
  });
  const corridorArgs = (dir: string, prefix: string) => ['--dir', dir, '--database-url', url, '--database-schema', prefix];

  /** A demo directory on its own schemas (the same data every time: seed 7). */
  const corridor = async (name: string) => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const dir = join(root, name);
    await setupDemoDir(dir, { events: EVENTS, url, prefix, partRows: 250, crossPartitionDuplicates: 0.03 });
    return { dir, prefix, args: corridorArgs(dir, prefix), intent: join(dir, 'intents/build.json') };
  };
  const shardRows = async (prefix: string) =>
    (
      await pool.query<{ shard: number; state: string; record: string }>(
        `SELECT shard, state, record FROM ${prefix}_ledger.ofs_shard_tasks ORDER BY shard`,
      )
    ).rows.map((r) => ({
      shard: r.shard,
      state: r.state,
      ...(JSON.parse(r.record) as { attempts: number; result: { worker: string } | null }),
    }));
  const waitDone = async (runKey: string, args: string[], what: () => string) => {
    for (let i = 0; ; i++) {
      const status = (await cli(['status', runKey, ...args, '--json'])).json();
      if (status.run.state === 'DONE' || status.run.state === 'FAILED') return status;
      if (i > 1200) throw new Error(`run ${runKey} did not settle: ${status.run.state}; ${what()}`);
      await sleep(100);
    }
  };

  /** The reference: one process, no shards, the same data. */
  let reference: { manifestKey: string; files: Map<string, Buffer> } | undefined;
  const oneProcess = async () => {
    if (reference) return reference;
    const c = await corridor('one-process');
    const built = await cli(['build', c.intent, ...c.args, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const manifestKey = built.json().run.manifest_key as string;
    const run = manifestKey.split('/')[0] as string;
    reference = { manifestKey, files: await builtFiles(join(c.dir, 'store', run, 'ofs')) };
    // The plan holds duplicates within and across partitions.
    const draft = JSON.parse(
      (reference.files.get([...reference.files.keys()].find((k) => k.startsWith('drafts/'))!) as Buffer).toString('utf8'),
    );
    expect(draft.totals.duplicates_dropped).toBeGreaterThan(0);
    return reference;
  };

  it('2 threads in one process write the bytes of one thread (duplicates across partitions)', async () => {
    const one = await oneProcess();
    const c = await corridor('two-threads');
    const built = await cli(['build', c.intent, ...c.args, '--threads', '2', '--json']);
    expect(built.code, built.stderr).toBe(0);
    expect(built.json().run.manifest_key).toBe(one.manifestKey);
    expectSameFiles(await builtFiles(join(c.dir, 'store', one.manifestKey.split('/')[0] as string, 'ofs')), one.files);
  });

  it('3 worker processes build one plan as shard tasks and write the bytes of one process', async () => {
    expect(existsSync(CLI), 'build the runner first (pnpm build)').toBe(true);
    const one = await oneProcess();
    const c = await corridor('three-workers');
    const submitted = await cli(['submit', c.intent, ...c.args, '--json']);
    expect(submitted.code).toBe(0);
    const runKey = submitted.json().run.run_key as string;
    const workers = [0, 1, 2].map(() => ofs(['worker', '--shards', '--poll-ms', '100', '--lease-ms', '5000', ...c.args]));
    let status: { run: { state: string; manifest_key: string; outcome: string } };
    try {
      status = await waitDone(runKey, c.args, () => workers.map((w) => w.child.exitCode).join(','));
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
    }
    const exits = await Promise.all(workers.map((w) => w.done));
    for (const e of exits) expect([0, 130], e.stderr).toContain(e.code);
    expect(status.run).toMatchObject({ state: 'DONE', outcome: 'NEW', manifest_key: one.manifestKey });

    const shards = await shardRows(c.prefix);
    expect(shards.map((s) => s.state)).toEqual(['DONE', 'DONE', 'DONE', 'DONE']);
    // The shards were spread over processes, not all built by the run's worker.
    expect(new Set(shards.map((s) => s.result?.worker)).size).toBeGreaterThan(1);
    // `ofs status` shows who built which shard.
    const shown = await cli(['status', runKey, ...c.args, '--json']);
    expect(shown.json().shards.map((s: { state: string; worker: string }) => [s.state, s.worker])).toEqual(
      shards.map((s) => ['DONE', s.result?.worker]),
    );
    expect((await cli(['status', runKey, ...c.args])).stdout).toMatch(/shards:\n {4}0 \S+\/0: DONE built by ofs-\d+-/);

    const run = one.manifestKey.split('/')[0] as string;
    const files = await builtFiles(join(c.dir, 'store', run, 'ofs'));
    expect([...files.keys()].filter((k) => k.startsWith('parts/')).length).toBeGreaterThan(4);
    expectSameFiles(files, one.files);
    const verify = await cli(['verify', one.manifestKey, ...c.args]);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
  });

  it('a worker SIGKILLed mid-shard (the run’s own worker) changes nothing but time', async () => {
    const one = await oneProcess();
    const c = await corridor('killed');
    const submitted = await cli(['submit', c.intent, ...c.args, '--json']);
    const runKey = submitted.json().run.run_key as string;
    const run = one.manifestKey.split('/')[0] as string;
    const partsDir = join(c.dir, 'store', run, 'ofs', 'parts');

    // Alone, the first worker owns the run and builds shards; kill it once a shard is under way.
    const first = ofs(['worker', '--shards', '--poll-ms', '100', '--lease-ms', '1500', ...c.args]);
    for (;;) {
      expect(first.child.exitCode, 'the first worker stopped before it could be killed').toBeNull();
      const leased = (await shardRows(c.prefix).catch(() => [])).filter((s) => s.state === 'LEASED');
      const parts = existsSync(partsDir) ? (await readdir(partsDir)).length : 0;
      if (leased.length > 0 && parts > 0) break;
      await sleep(20);
    }
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const orphan = (await shardRows(c.prefix)).filter((s) => s.state === 'LEASED').map((s) => s.shard);
    expect(orphan.length).toBeGreaterThan(0);

    // Two more workers: after the leases lapse they take over the run and the orphaned shard.
    const others = [0, 1].map(() => ofs(['worker', '--shards', '--poll-ms', '100', '--lease-ms', '1500', ...c.args]));
    let status: { run: { state: string; manifest_key: string; full_run_attempts: number } };
    try {
      status = await waitDone(runKey, c.args, () => others.map((w) => w.child.exitCode).join(','));
    } finally {
      for (const w of others) w.child.kill('SIGTERM');
    }
    await Promise.all(others.map((w) => w.done));
    expect(status.run).toMatchObject({ state: 'DONE', manifest_key: one.manifestKey, full_run_attempts: 2 });
    const shards = await shardRows(c.prefix);
    expect(shards.every((s) => s.state === 'DONE')).toBe(true);
    for (const shard of orphan) expect(shards[shard]?.attempts, `shard ${shard}`).toBeGreaterThanOrEqual(2);
    expectSameFiles(await builtFiles(join(c.dir, 'store', run, 'ofs')), one.files);
  });
});

describe('--shards on the embedded corridor', () => {
  it('is refused: shard tasks need a PostgreSQL server (the embedded corridor is one process)', async () => {
    const { dir, cleanup } = await tempDir('ofs-shards-embedded-');
    try {
      const result = await cli(['worker', '--once', '--shards', '--dir', dir]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/^CORRIDOR_CONFIG_INVALID: fanning runs out into shard tasks needs a PostgreSQL server/);
    } finally {
      await cleanup();
    }
  });
});
