// Run-ledger throughput: submit → claim → complete cycles per second with 1 and 4 concurrent
// workers, on the in-memory store (baseline: the ledger's own cost), on PGlite and on the
// PostgreSQL server (OFS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test).
// Writes bench/results/ledger.md. Uses the built packages: `pnpm build` first.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import { type Clock, fromPGlite, fromPgPool, type LedgerStore, parseBuildIntent } from '@ofs/contracts';
import { createLedger, createMemoryLedgerStore } from '@ofs/ledger';
import { createPostgresLedgerStore } from '@ofs/ledger-postgres';
import pg from 'pg';

const SECONDS = Number(process.env.LEDGER_BENCH_SECONDS ?? 5);
const url = process.env.OFS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const clock: Clock = { now: () => Date.now() };
const policy = { max_full_run_attempts: 3, max_publish_retries: 3 };
const result = {
  outcome: 'NEW',
  manifestKey: 'platform_20260210T091951Z/ofs/manifests/dm_x.json',
  statusClass: 'COMPLETE_SUCCESS',
} as const;

let serial = 0;
function intent() {
  serial++;
  return parseBuildIntent({
    schema_version: 'learning.ofs_build_intent.v0',
    request_id: `ofs.bench.ledger.${process.pid}.${serial}`,
    intent_kind: 'dataset_build',
    platform_run_id: 'platform_20260210T091951Z',
    scenario_run_ids: ['run_a'],
    replay_basis: [{ topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200' }],
    label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc', maturity_days: 30 },
    feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
    join_scope: { subject_key: 'platform_run_id,event_id' },
    filters: { country: ['US'] },
    run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
    policy_revision: 'ofs-policy-v0',
    config_revision: 'local-parity-v0',
    ofs_code_release_id: 'git:abc123',
  });
}

/** Runs `workers` concurrent loops of submit → claim → complete for `seconds`; returns cycles/s. */
async function cycles(store: LedgerStore, workers: number, seconds: number): Promise<{ perSecond: number; cycles: number }> {
  const ledger = createLedger({ store, clock, policy });
  const work = async (name: string, until: number): Promise<number> => {
    let n = 0;
    while (Date.now() < until) {
      await ledger.submit(intent());
      const claimed = await ledger.claim({ worker: name, leaseMs: 60_000 });
      if (!claimed) continue;
      await ledger.complete(claimed.run.run_key, claimed.lease.token, result);
      n++;
    }
    return n;
  };
  await Promise.all(Array.from({ length: workers }, (_, i) => work(`warm${i}`, Date.now() + 500)));
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: workers }, (_, i) => work(`w${i}`, Date.now() + seconds * 1000)));
  const elapsed = (performance.now() - started) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  return { perSecond: total / elapsed, cycles: total };
}

// Worker-process mode: `--worker <schema> <startAtMs> <endAtMs>` warms up until startAt, counts
// cycles until endAt on its own pool (2 connections), prints `{"cycles":n,"late_ms":m}`.
if (process.argv[2] === '--worker') {
  const [schema, startAt, endAt] = [process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])];
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const ledger = createLedger({ store: createPostgresLedgerStore({ client: fromPgPool(pool), schema }), clock, policy });
  const cycle = async (name: string): Promise<boolean> => {
    await ledger.submit(intent());
    const claimed = await ledger.claim({ worker: name, leaseMs: 60_000 });
    if (!claimed) return false;
    await ledger.complete(claimed.run.run_key, claimed.lease.token, result);
    return true;
  };
  while (Date.now() < startAt) await cycle(`warm${process.pid}`);
  const lateMs = Date.now() - startAt;
  let n = 0;
  while (Date.now() < endAt) if (await cycle(`w${process.pid}`)) n++;
  process.stdout.write(`${JSON.stringify({ cycles: n, late_ms: lateMs })}\n`);
  await pool.end();
  process.exit(0);
}

/** `workers` worker processes on one server schema, started together; returns cycles/s over the common window. */
async function processCycles(workers: number, seconds: number): Promise<{ perSecond: number; cycles: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = fromPgPool(pool);
  const schema = `ofs_bench_p${process.pid}_${workers}`;
  try {
    await createPostgresLedgerStore({ client, schema }).migrate();
    const startAt = Date.now() + 6_000;
    const endAt = startAt + seconds * 1000;
    const self = fileURLToPath(import.meta.url);
    const outputs = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<{ cycles: number; late_ms: number }>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', self, '--worker', schema, String(startAt), String(endAt)], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => {
              out += chunk.toString();
            });
            child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench worker exited ${code}`))));
          }),
      ),
    );
    const late = Math.max(...outputs.map((o) => o.late_ms));
    if (late > 0) console.warn(`a worker process started ${late} ms late; its window was shorter`);
    const total = outputs.reduce((a, o) => a + o.cycles, 0);
    return { perSecond: total / seconds, cycles: total };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

interface Row {
  store: string;
  workers: number;
  perSecond: number;
  cycles: number;
}
const rows: Row[] = [];
const measure = async (store: string, workers: number, make: () => Promise<{ s: LedgerStore; done: () => Promise<void> }>) => {
  const { s, done } = await make();
  try {
    const r = await cycles(s, workers, SECONDS);
    rows.push({ store, workers, ...r });
    console.log(`${store.padEnd(22)} ${workers} worker(s): ${r.perSecond.toFixed(0)} cycles/s (${r.cycles} cycles)`);
  } finally {
    await done();
  }
};

for (const workers of [1, 4]) {
  await measure('memory (baseline)', workers, async () => ({ s: createMemoryLedgerStore(), done: async () => {} }));
}
for (const workers of [1, 4]) {
  await measure('PGlite (embedded)', workers, async () => {
    const db = new PGlite();
    const s = createPostgresLedgerStore({ client: fromPGlite(db) });
    await s.migrate();
    return { s, done: () => db.close() };
  });
}
let serverError: string | undefined;
for (const workers of [1, 4]) {
  try {
    await measure('PostgreSQL server', workers, async () => {
      const pool = new pg.Pool({ connectionString: url, max: workers * 2 });
      const client = fromPgPool(pool);
      const schema = `ofs_bench_${process.pid}_${workers}`;
      const s = createPostgresLedgerStore({ client, schema });
      await s.migrate();
      return {
        s,
        done: async () => {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await pool.end();
        },
      };
    });
  } catch (error) {
    serverError = error instanceof Error ? error.message : String(error);
    console.error(`PostgreSQL server skipped: ${serverError}`);
  }
}

for (const workers of [1, 4]) {
  try {
    const r = await processCycles(workers, SECONDS);
    rows.push({ store: 'PostgreSQL server, worker processes', workers, ...r });
    console.log(
      `${'PostgreSQL server (processes)'.padEnd(22)} ${workers} worker(s): ${r.perSecond.toFixed(0)} cycles/s (${r.cycles} cycles)`,
    );
  } catch (error) {
    serverError = error instanceof Error ? error.message : String(error);
    console.error(`PostgreSQL server (processes) skipped: ${serverError}`);
  }
}

/** Server floor in the same run: sequential `SELECT 1` round trips/s and autocommit single-row inserts/s (1 and 4 connections). */
async function serverFloor(): Promise<{ rtt: number; commits1: number; commits4: number } | undefined> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const table = `ofs_bench_floor_${process.pid}`;
  try {
    await pool.query(`CREATE TABLE ${table} (a int)`);
    const rate = async (connections: number, sql: string): Promise<number> => {
      const until = Date.now() + 2_000;
      const started = performance.now();
      const counts = await Promise.all(
        Array.from({ length: connections }, async () => {
          let n = 0;
          while (Date.now() < until) {
            await pool.query(sql);
            n++;
          }
          return n;
        }),
      );
      return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
    };
    return {
      rtt: await rate(1, 'SELECT 1'),
      commits1: await rate(1, `INSERT INTO ${table} VALUES (1)`),
      commits4: await rate(4, `INSERT INTO ${table} VALUES (1)`),
    };
  } catch {
    return undefined;
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await pool.end();
  }
}
const floor = await serverFloor();
if (floor)
  console.log(
    `server floor: ${floor.rtt.toFixed(0)} SELECT 1/s, ${floor.commits1.toFixed(0)} commits/s (1 conn), ${floor.commits4.toFixed(0)} commits/s (4 conns)`,
  );

const find = (store: string, workers: number) => rows.find((r) => r.store === store && r.workers === workers);
const server4 = find('PostgreSQL server', 4);
const serverProc4 = find('PostgreSQL server, worker processes', 4);
const targetRow = (label: string, r: Row | undefined) =>
  `| ≥ ${target} cycles/s on the PostgreSQL server with 4 workers (${label}) | ${r ? `${fmt(r.perSecond)} cycles/s` : `not measured (${serverError ?? 'no server'})`} | ${r ? (r.perSecond >= target ? 'yes' : 'no') : 'unknown'} |`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const target = 300;
const lines = [
  '# @ofs/ledger benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench ledger\` on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}.`,
  `Other work (other packages building and testing) ran on the machine at the same time — 1-minute load average ${loadavg()[0]?.toFixed(1)} at the end of the run on ${cpus().length} cores — so absolute figures are depressed; ratios are measured in the same run.`,
  '',
  `One cycle = \`submit\` (intent validation, run key, payload hash, insert run + event) → \`claim\` (oldest claimable run,`,
  '`FOR UPDATE SKIP LOCKED`, new lease, CLAIMED event) → `complete` (read, fenced compare-and-set, COMPLETED event).',
  `"Workers" are concurrent async loops in the bench process (each for ${SECONDS} s after a 0.5 s warm-up; the server pool has 2 connections per worker),`,
  `or, for "worker processes", separate Node processes (one ledger and a 2-connection pool each) that warm up and then count cycles over the same ${SECONDS} s window.`,
  '',
  '| store | workers | cycles/s | cycles | vs memory, same workers |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const base = find('memory (baseline)', r.workers);
    const ratio = base && r.store !== 'memory (baseline)' ? `${(r.perSecond / base.perSecond).toFixed(3)}×` : '–';
    return `| ${r.store} | ${r.workers} | ${fmt(r.perSecond)} | ${fmt(r.cycles)} | ${ratio} |`;
  }),
  '',
  '| target | result | met |',
  '| --- | --- | --- |',
  targetRow('async loops in one process', server4),
  targetRow('one process per worker', serverProc4),
  `| PGlite: reported as it is (no target) | ${fmt(find('PGlite (embedded)', 1)?.perSecond ?? 0)} (1 worker), ${fmt(find('PGlite (embedded)', 4)?.perSecond ?? 0)} (4 workers) cycles/s | – |`,
  '',
  'PGlite runs one connection in-process, so its 4 workers serialise on it; its figures measure the embedded engine, not contention.',
  '',
  ...(floor
    ? [
        'Server floor measured in the same run (what any client gets from this server and machine right now):',
        '',
        '| measurement | per second |',
        '| --- | --- |',
        `| \`SELECT 1\` round trips, 1 connection | ${fmt(floor.rtt)} |`,
        `| autocommit single-row INSERTs (one commit each), 1 connection | ${fmt(floor.commits1)} |`,
        `| autocommit single-row INSERTs, 4 connections | ${fmt(floor.commits4)} |`,
        '',
        `A cycle is 3 commits and 7 round trips (submit 1; claim BEGIN, SELECT … SKIP LOCKED, UPDATE+INSERT, COMMIT; complete: read, UPDATE+INSERT), so the commit rate bounds it at about ${fmt(floor.commits4 / 3)} cycles/s with 4 connections here; the ledger with 4 workers reached ${server4 ? `${((server4.perSecond / (floor.commits4 / 3)) * 100).toFixed(0)} %` : 'n/a'} (one process) and ${serverProc4 ? `${((serverProc4.perSecond / (floor.commits4 / 3)) * 100).toFixed(0)} %` : 'n/a'} (worker processes) of that bound.`,
      ]
    : []),
  '',
];
writeFileSync(new URL('./results/ledger.md', import.meta.url), lines.join('\n'));
console.log(lines.join('\n'));
