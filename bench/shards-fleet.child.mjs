// Child of bench/shards.bench.ts: one plan built by <processes> `ofs worker --shards` processes on a
// PostgreSQL server (shard tasks in the ledger, D120), over the bench fixture's segment files.
//   node bench/shards-fleet.child.mjs <n> <corridorDir> <pgUrl> <processes>
// <corridorDir>/segments/{eb,archive} must hold the fixture (writeSources). Prints a JSON line:
// wall seconds from submit to DONE, CPU seconds and peak RSS per worker process (from /proc, read
// just before the workers are stopped), rows, rows digest, and how many shards each worker built.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOnceJson } from '@ofs/ids';
import {
  corridorLayout,
  createDefaultCorridor,
  DEMO_PLATFORM_RUN_ID,
  DEMO_RUN_FACTS_REF,
  demoIntent,
  demoRunFacts,
  writeDemoConfig,
} from '../packages/ofs-runner/dist/index.js';
import pg from 'pg';
import { resolvedDemoFeatureProfile } from '@ofs/publish';
import { benchPlan, benchPolicy, labelAssertions, PARTITIONS } from './publish-fixture.mjs';

const [nText, dir, url, processesText] = process.argv.slice(2);
const n = Number(nText);
const processes = Number(processesText ?? 3);
const perPartition = Math.ceil(n / PARTITIONS);
const prefix = `ofs_bench_${process.pid}`;
const cli = fileURLToPath(new URL('../packages/ofs-runner/dist/cli.js', import.meta.url));
const TICKS = 100;

const layout = corridorLayout(dir);
await writeDemoConfig(layout);
// The fixture's payload hashes are over the payload alone (as in the thread rows, which do not verify them).
await writeFile(layout.config, JSON.stringify({ ...JSON.parse(readFileSync(layout.config, 'utf8')), verify_hashes: false }));
const policy = benchPolicy();
await writeFile(join(layout.dir, 'policy.json'), JSON.stringify(policy));
const basis = benchPlan(perPartition, policy, resolvedDemoFeatureProfile()).replay_basis;

const corridor = await createDefaultCorridor({ dir, databaseUrl: url, databaseSchemaPrefix: prefix });
let runKey;
try {
  await writeOnceJson(corridor.store, DEMO_RUN_FACTS_REF, demoRunFacts());
  const assertions = labelAssertions(perPartition).map((a) => ({ ...a, platform_run_id: DEMO_PLATFORM_RUN_ID }));
  for (let i = 0; i < assertions.length; i += 10_000) await corridor.labels.append(assertions.slice(i, i + 10_000));
  const intent = {
    ...demoIntent({ requestId: 'bench.fleet', basis, labelAsofUtc: '2026-01-31T00:00:00Z', codeReleaseId: corridor.pins.codeReleaseId }),
    policy_revision: policy.revision,
  };
  // The thread rows' plan: the same cutoff and a 1-day maturity.
  intent.label_basis = { ...intent.label_basis, maturity_days: 1 };
  runKey = (await corridor.submit(intent)).run.run_key;
} finally {
  await corridor.close();
}

/** utime + stime (s) and peak RSS (MB) of a live process, from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu_seconds: cpu, max_rss_mb: Number(hwm?.[1] ?? 0) / 1024 };
}

const t0 = performance.now();
const workers = Array.from({ length: processes }, () =>
  spawn(
    process.execPath,
    [cli, 'worker', '--shards', '--dir', dir, '--database-url', url, '--database-schema', prefix, '--poll-ms', '200'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  ),
);
const pool = new pg.Pool({ connectionString: url, max: 1 });
let run;
let seconds = 0;
let per = [];
try {
  for (;;) {
    const { rows } = await pool.query(`SELECT record FROM ${prefix}_ledger.ofs_runs WHERE run_key = $1`, [runKey]);
    run = JSON.parse(rows[0].record);
    if (run.state === 'DONE' || run.state === 'FAILED') break;
    if (workers.every((w) => w.exitCode !== null)) throw new Error('every worker stopped before the run settled');
    await new Promise((r) => setTimeout(r, 250));
  }
} finally {
  seconds = (performance.now() - t0) / 1000;
  per = workers.map((w) => (w.exitCode === null ? usage(w.pid) : { cpu_seconds: Number.NaN, max_rss_mb: Number.NaN }));
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.on('close', r)))));
}
if (run.state !== 'DONE') throw new Error(`the run ended ${run.state}: ${JSON.stringify(run.last_error)}`);
const { rows: shardRows } = await pool.query(`SELECT record FROM ${prefix}_ledger.ofs_shard_tasks ORDER BY shard`);
const byWorker = {};
for (const r of shardRows) {
  const worker = JSON.parse(r.record).result.worker;
  byWorker[worker] = (byWorker[worker] ?? 0) + 1;
}
const draft = JSON.parse(readFileSync(join(layout.store, DEMO_PLATFORM_RUN_ID, 'ofs', 'drafts', `${run.plan_id}.json`), 'utf8'));
await pool.query(`DROP SCHEMA IF EXISTS ${prefix}_ledger CASCADE`);
await pool.query(`DROP SCHEMA IF EXISTS ${prefix}_labels CASCADE`);
await pool.end();
process.stdout.write(
  `${JSON.stringify({
    mode: 'fleet',
    n,
    processes,
    records: draft.totals.records,
    rows: draft.rows_total,
    parts: draft.parts.length,
    rows_digest: draft.rows_digest,
    status_class: run.status_class,
    seconds,
    cpu_seconds: per.reduce((a, p) => a + p.cpu_seconds, 0),
    max_rss_mb: Math.max(...per.map((p) => p.max_rss_mb)),
    sum_rss_mb: per.reduce((a, p) => a + p.max_rss_mb, 0),
    shards_by_worker: Object.values(byWorker).sort((a, b) => b - a),
  })}\n`,
);
