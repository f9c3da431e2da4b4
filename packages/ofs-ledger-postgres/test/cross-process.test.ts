// Concurrency on the PostgreSQL server with ledger clients in separate processes. The workers
// import the built packages: run `pnpm turbo run build --filter @ofs/ledger-postgres...` first
// (CI builds everything before testing).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fromPgPool, type SqlClient, systemClock } from '@ofs/contracts';
import { createLedger, type LedgerPolicy } from '@ofs/ledger';
import { sampleIntent } from '@ofs/ledger/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresLedgerStore } from '../src/postgres-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const workerScript = join(here, 'ledger-worker.mjs');
const built = existsSync(join(here, '..', 'dist', 'index.js')) && existsSync(join(here, '..', '..', 'ofs-ledger', 'dist', 'index.js'));
const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/ledger-postgres cross-process tests skipped: set OFS_TEST_PG_URL');
else if (!built)
  console.warn('@ofs/ledger-postgres cross-process tests skipped: build first (pnpm turbo run build --filter @ofs/ledger-postgres...)');

interface Answer {
  ok: boolean;
  result?: unknown;
  code?: string;
  message?: string;
}

/** One ledger client process speaking the line protocol of `ledger-worker.mjs`. */
class WorkerProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly buffered: string[] = [];
  private stderr = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [workerScript], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.buffered.push(line);
    });
  }

  private nextLine(): Promise<string> {
    const line = this.buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${this.stderr}`)));
    });
  }

  async ready(): Promise<void> {
    expect(JSON.parse(await this.nextLine())).toEqual({ ready: true });
  }

  async send<T = unknown>(command: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const answer = JSON.parse(await this.nextLine()) as Answer;
    if (!answer.ok) throw new Error(`worker answered ${answer.code}: ${answer.message}`);
    return answer.result as T;
  }

  /** Sends a command expected to fail; returns its code. */
  async sendExpectingError(command: Record<string, unknown>): Promise<string | undefined> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const answer = JSON.parse(await this.nextLine()) as Answer;
    return answer.ok ? undefined : answer.code;
  }

  /** SIGKILLs the process (a crash: no release, no rollback of committed moves). */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.signalCode === null) await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

describe.skipIf(!url || !built)('ledger on the PostgreSQL server, clients in separate processes', () => {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const client: SqlClient = fromPgPool(pool);
  const schemas: string[] = [];
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  const setup = async (processes: number, policy: LedgerPolicy = { max_full_run_attempts: 3, max_publish_retries: 3 }, poolMax = 4) => {
    const schema = `ofs_t_${Math.random().toString(36).slice(2, 10)}`;
    schemas.push(schema);
    const store = createPostgresLedgerStore({ client, schema });
    await store.migrate();
    const ledger = createLedger({ store, clock: systemClock, policy, requeueBackoff: { baseMs: 0 } });
    const env = { OFS_TEST_PG_URL: url!, LEDGER_SCHEMA: schema, LEDGER_POLICY: JSON.stringify(policy), POOL_MAX: String(poolMax) };
    const started = Array.from({ length: processes }, () => new WorkerProcess(env));
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready()));
    return { ledger, store, workers: started, env };
  };

  it('50 concurrent submits of one request from 5 processes create exactly one run', async () => {
    const { ledger, workers: procs } = await setup(5);
    const intent = sampleIntent('ofs.req.xproc.submit.0001');
    const answers = await Promise.all(
      procs.map((w) => w.send<{ created?: boolean; run_key?: string; code?: string }[]>({ op: 'submit', intent, n: 10 })),
    );
    const all = answers.flat();
    expect(all).toHaveLength(50);
    expect(all.filter((a) => a.code !== undefined)).toEqual([]);
    expect(all.filter((a) => a.created)).toHaveLength(1);
    expect(new Set(all.map((a) => a.run_key)).size).toBe(1);
    const runs = await ledger.list();
    expect(runs).toHaveLength(1);
    expect((await ledger.events(runs[0]!.run_key)).map((e) => e.type)).toEqual(['SUBMITTED']);
  });

  it('4 worker processes claiming 200 runs claim every run exactly once', async () => {
    const { ledger, workers: procs } = await setup(4, undefined, 1);
    for (let i = 0; i < 200; i++) await ledger.submit(sampleIntent(`ofs.req.xproc.many.${String(i).padStart(4, '0')}`));
    const done = (await Promise.all(procs.map((w) => w.send<string[]>({ op: 'claimAndCompleteAll', leaseMs: 60_000 })))).flat();
    expect(done).toHaveLength(200);
    expect(new Set(done).size).toBe(200);
    const runs = await ledger.list({ limit: 1_000 });
    expect(runs.every((r) => r.state === 'DONE' && r.full_run_attempts === 1)).toBe(true);
    for (const run of runs.slice(0, 20))
      expect((await ledger.events(run.run_key)).map((e) => e.type)).toEqual(['SUBMITTED', 'CLAIMED', 'COMPLETED']);
  });

  it('20 concurrent claims of one PUBLISH_PENDING run from 4 processes: exactly one wins, the retry counter moves by one', async () => {
    const { ledger, workers: procs } = await setup(4, undefined, 5);
    const { run } = await ledger.submit(sampleIntent('ofs.req.xproc.race.0001'));
    const first = await ledger.claim({ worker: 'setup', leaseMs: 60_000 });
    await ledger.publishPending(run.run_key, first!.lease.token, { code: 'STORE_UNAVAILABLE', message: 'timeout', stage: 'publish' });
    const won = (await Promise.all(procs.map((w) => w.send<(string | null)[]>({ op: 'claimOnce', n: 5, leaseMs: 60_000 })))).flat();
    expect(won).toHaveLength(20);
    expect(won.filter((k) => k !== null)).toEqual([run.run_key]);
    expect(await ledger.get(run.run_key)).toMatchObject({
      state: 'RUNNING',
      mode: 'PUBLISH_ONLY',
      publish_retry_attempts: 1,
      full_run_attempts: 1,
    });
  });

  it('repeated publish failures against a budget of 3 from 3 processes: exactly 3 retries, then FAILED/PUBLISH_RETRY_EXHAUSTED', async () => {
    const { ledger, workers: procs } = await setup(3, { max_full_run_attempts: 3, max_publish_retries: 3 });
    const { run } = await ledger.submit(sampleIntent('ofs.req.xproc.budget.0001'));
    const claims = (
      await Promise.all(procs.map((w) => w.send<{ mode: string }[]>({ op: 'failPublishUntilSettled', leaseMs: 60_000 })))
    ).flat();
    expect(claims.filter((c) => c.mode === 'FULL')).toHaveLength(1);
    expect(claims.filter((c) => c.mode === 'PUBLISH_ONLY')).toHaveLength(3);
    expect(await ledger.get(run.run_key)).toMatchObject({
      state: 'FAILED',
      publish_retry_attempts: 3,
      last_error: { code: 'PUBLISH_RETRY_EXHAUSTED' },
    });
    const events = await ledger.events(run.run_key);
    expect(events.filter((e) => e.type === 'CLAIMED' && e.details.mode === 'PUBLISH_ONLY')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'FAILED', details: { error_code: 'PUBLISH_RETRY_EXHAUSTED' } });
  });

  it('a lease left to expire is claimed by another process; the first worker’s late complete is LEASE_LOST', async () => {
    const { ledger, workers: procs } = await setup(2);
    const [a, b] = procs as [WorkerProcess, WorkerProcess];
    const { run } = await ledger.submit(sampleIntent('ofs.req.xproc.expire.0001'));
    const first = await a.send<{ run_key: string; token: string }>({ op: 'claim', leaseMs: 300 });
    expect(first.run_key).toBe(run.run_key);
    const second = await b.send<{ run_key: string; token: string; attempts: number } | null>({
      op: 'claimWhenAvailable',
      leaseMs: 60_000,
      timeoutMs: 20_000,
    });
    expect(second).toMatchObject({ run_key: run.run_key, attempts: 2 });
    expect(await a.sendExpectingError({ op: 'complete', runKey: run.run_key, token: first.token })).toBe('LEASE_LOST');
    expect(await b.send({ op: 'complete', runKey: run.run_key, token: second!.token })).toBe('DONE');
    expect((await ledger.events(run.run_key)).map((e) => e.type)).toEqual([
      'SUBMITTED',
      'CLAIMED',
      'LEASE_EXPIRED',
      'CLAIMED',
      'COMPLETED',
    ]);
  });

  it('a worker SIGKILLed mid-run leaves no stuck run: after its lease lapses another process resumes and completes it', async () => {
    const { ledger, workers: procs } = await setup(2);
    const [a, b] = procs as [WorkerProcess, WorkerProcess];
    const { run } = await ledger.submit(sampleIntent('ofs.req.xproc.crash.0001'));
    const first = await a.send<{ run_key: string; token: string }>({ op: 'claim', leaseMs: 300 });
    expect(first.run_key).toBe(run.run_key);
    await a.kill();
    expect(await ledger.get(run.run_key)).toMatchObject({ state: 'RUNNING', full_run_attempts: 1 });
    const second = await b.send<{ run_key: string; token: string; attempts: number } | null>({
      op: 'claimWhenAvailable',
      leaseMs: 60_000,
      timeoutMs: 20_000,
    });
    expect(second).toMatchObject({ run_key: run.run_key, attempts: 2 });
    expect(await b.send({ op: 'complete', runKey: run.run_key, token: second!.token })).toBe('DONE');
    const events = await ledger.events(run.run_key);
    expect(events.find((e) => e.type === 'LEASE_EXPIRED')?.details).toMatchObject({ expired_token: first.token });
  });
});
