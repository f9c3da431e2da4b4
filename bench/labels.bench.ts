// Label as-of resolution throughput: subjects resolved per second with 2 label types and 3
// assertions per subject, from the memory store, PGlite and the PostgreSQL server
// (OFS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test), side by side with DuckDB's
// ASOF JOIN on the same data (the external baseline). Writes bench/results/labels.md.
// Uses the built packages: `pnpm build` first.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { PGlite } from '@electric-sql/pglite';
import {
  type BuildPlan,
  fromPgPool,
  fromPGlite,
  type LabelAssertion,
  type LabelStore,
  type LabelSubject,
  type ObjectStore,
} from '@ofs/contracts';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import { createPostgresLabelStore } from '@ofs/labels-postgres';
import pg from 'pg';

const SUBJECTS = Number(process.env.LABELS_BENCH_SUBJECTS ?? 200_000);
const SQL_SUBJECTS = Number(process.env.LABELS_BENCH_SQL_SUBJECTS ?? 50_000);
const REPS = Number(process.env.LABELS_BENCH_REPS ?? 5);
const BATCH = 5_000;
const url = process.env.OFS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = 'platform_20260201T000000Z';
const TYPES = ['fraud_disposition', 'chargeback_status'];
const BASE = Date.UTC(2026, 1, 1);
const CUTOFF = '2026-02-10T00:00:00Z';
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

// ── data: deterministic; 3 assertions per subject (2 fraud_disposition, 1 chargeback_status) ──
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const subjects: LabelSubject[] = [];
const assertions: LabelAssertion[] = [];
for (let i = 0; i < SUBJECTS; i++) {
  const event_id = `evt_${String(i).padStart(7, '0')}`;
  subjects.push({ event_id, ts_utc: iso(BASE + Math.floor(rnd() * 10 * 86_400_000)) });
  for (let k = 0; k < 3; k++) {
    const observed = BASE + Math.floor(rnd() * 12 * 86_400) * 1000;
    assertions.push({
      platform_run_id: RUN,
      event_id,
      label_type: TYPES[k === 2 ? 1 : 0]!,
      value: k === 2 ? (rnd() < 0.2 ? 'CHARGEBACK' : 'NO_CHARGEBACK') : rnd() < 0.1 ? 'FRAUD_CONFIRMED' : 'LEGIT_CONFIRMED',
      effective_time: iso(observed - 3_600_000),
      observed_time: iso(observed),
      assertion_id: `a_${event_id}_${k}`,
    });
  }
}

const plan = {
  schema_version: 'learning.ofs_build_plan.v1',
  plan_id: 'plan_0123456789abcdef0123456789abcdef',
  platform_run_id: RUN,
  training_posture: 'NON_TRAINING',
  label_basis: {
    label_asof_utc: CUTOFF,
    label_asof_instant: CUTOFF,
    resolution_rule: 'observed_time<=label_asof_utc',
    posture: 'KNEW_THEN',
    maturity_days: 1,
  },
} as unknown as BuildPlan;
const policy = { revision: 'bench', label_types: TYPES, min_label_coverage: 0, max_conflict_ratio: 1, label_batch_size: BATCH };
const discard: ObjectStore = { get: async () => undefined, putIfAbsent: async () => ({ created: true }), list: async function* () {} };

interface Figure {
  source: string;
  subjects: number;
  wallPerSecond: number;
  cpuPerSecond: number;
}
const figures: Figure[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Runs `fn` `reps` times back to back after a warm-up; returns median subjects per wall-second and
 * per CPU-second of this process. With `forcedGc`, a full GC (`--expose-gc`) runs before each run,
 * as this bench did before: in this process it throws away the resolver's optimized code
 * (`--trace-deopt`: "weak objects"), so each run of 200,000 subjects re-warms the JIT.
 */
async function measure(source: string, n: number, reps: number, fn: () => Promise<void>, forcedGc = false): Promise<Figure> {
  await fn(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    if (forcedGc) (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    wall.push(n / seconds);
    cpu.push(n / ((c.user + c.system) / 1e6));
  }
  const figure = { source, subjects: n, wallPerSecond: median(wall), cpuPerSecond: median(cpu) };
  figures.push(figure);
  console.log(
    `${source.padEnd(34)} ${figure.wallPerSecond.toFixed(0).padStart(9)} subjects/s wall  ${figure.cpuPerSecond.toFixed(0).padStart(9)} per CPU-s`,
  );
  return figure;
}

/**
 * One full resolution: batches of BATCH subjects, then finish() (receipt). With `collect`, also
 * returns the LABELLED values by `event_id|type` (for the DuckDB cross-check; not in timed runs).
 */
async function resolveAll(store: LabelStore, n: number, collect = false) {
  const resolver = createLabelResolver(plan, { store, policy, artifacts: discard });
  const values = new Map<string, string | number | boolean | null>();
  let labelled = 0;
  for (let i = 0; i < n; i += BATCH) {
    for (const row of await resolver.resolveBatch(subjects.slice(i, Math.min(n, i + BATCH)))) {
      for (const t of TYPES) {
        const label = row.labels[t]!;
        if (label.status !== 'LABELLED') continue;
        labelled++;
        if (collect) values.set(`${row.event_id}|${t}`, label.value);
      }
    }
  }
  const receipt = await resolver.finish();
  return { values, receipt, labelled };
}

// ── memory ───────────────────────────────────────────────────────────────────
const memory = createMemoryLabelStore();
await memory.append(assertions);
const mem = await measure('memory store (@ofs/labels)', SUBJECTS, REPS, async () => {
  await resolveAll(memory, SUBJECTS);
});
const memForcedGc = await measure(
  'memory store, full GC forced before each run',
  SUBJECTS,
  REPS,
  async () => {
    await resolveAll(memory, SUBJECTS);
  },
  true,
);
const memoryResult = await resolveAll(memory, SUBJECTS, true);
// The same store seen only through the LabelStore port (an async generator), as any other store is
// read: no fast path, every timestamp parsed per run. Shows what the memory store's fast path buys.
const memoryPort: LabelStore = {
  async *timelines(keys, types, options) {
    yield* memory.timelines(keys, types, options);
  },
  stateMarker: (options) => memory.stateMarker(options),
  append: (batch, options) => memory.append(batch, options),
};
await measure('memory store via the port (no fast path)', SUBJECTS, REPS, async () => {
  await resolveAll(memoryPort, SUBJECTS);
});
const portResult = await resolveAll(memoryPort, SUBJECTS);
if (JSON.stringify(portResult.receipt) !== JSON.stringify(memoryResult.receipt)) {
  throw new Error('the memory store gave another receipt through the port than through its fast path');
}

// ── DuckDB ASOF JOIN, same data ─────────────────────────────────────────────
const duck = await DuckDBInstance.create(':memory:');
const conn = await duck.connect();
await conn.run(
  'CREATE TABLE raw_a (platform_run_id VARCHAR, event_id VARCHAR, label_type VARCHAR, value VARCHAR, effective_time VARCHAR, observed_time VARCHAR, assertion_id VARCHAR)',
);
const appender = await conn.createAppender('raw_a');
for (const a of assertions) {
  for (const v of [a.platform_run_id, a.event_id, a.label_type, String(a.value), a.effective_time, a.observed_time, a.assertion_id])
    appender.appendVarchar(v);
  appender.endRow();
}
appender.flushSync();
appender.closeSync();
await conn.run(
  `CREATE TABLE asrt AS SELECT platform_run_id, event_id, label_type, value, effective_time::TIMESTAMPTZ AS effective, observed_time::TIMESTAMPTZ AS observed, assertion_id FROM raw_a`,
);
const subjectRows = (n: number) =>
  `CREATE OR REPLACE TABLE subj AS SELECT '${RUN}' AS platform_run_id, e.event_id, t.label_type, TIMESTAMPTZ '${CUTOFF}' AS asof
   FROM (SELECT DISTINCT event_id FROM raw_a ORDER BY event_id LIMIT ${n}) e, (VALUES ${TYPES.map((t) => `('${t}')`).join(',')}) t(label_type)`;
await conn.run(subjectRows(SUBJECTS));
const ASOF = `SELECT s.event_id, s.label_type, a.value, a.assertion_id FROM subj s ASOF LEFT JOIN asrt a
  ON s.platform_run_id = a.platform_run_id AND s.event_id = a.event_id AND s.label_type = a.label_type AND s.asof >= a.observed`;
let duckRows: unknown[][] = [];
const duckRead = await measure('DuckDB ASOF JOIN → JS rows', SUBJECTS, REPS, async () => {
  duckRows = (await conn.runAndReadAll(ASOF)).getRows() as unknown[][];
});
const duckEngine = await measure('DuckDB ASOF JOIN (count in engine)', SUBJECTS, REPS, async () => {
  await conn.runAndReadAll(`SELECT count(*), count(value) FROM (${ASOF})`);
});
// Sanity: with effective = observed − 1 h, "latest observed" (ASOF) and §8's ranking pick the same label.
let agree = 0;
let duckLabelled = 0;
for (const [event_id, label_type, value] of duckRows) {
  if (value === null) continue;
  duckLabelled++;
  if (memoryResult.values.get(`${event_id}|${label_type}`) === value) agree++;
}
conn.closeSync();

// ── PostgreSQL server and PGlite ─────────────────────────────────────────────
const sqlAssertions = assertions.slice(0, SQL_SUBJECTS * 3);
let serverNote = '';
try {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const schema = `ofs_bench_${process.pid}`;
  try {
    const store = createPostgresLabelStore({ client: fromPgPool(pool), schema });
    await store.append(sqlAssertions);
    await pool.query(`ANALYZE "${schema}".ofs_label_assertions`);
    await measure('PostgreSQL server (@ofs/labels-postgres)', SQL_SUBJECTS, Math.min(REPS, 3), async () => {
      await resolveAll(store, SQL_SUBJECTS);
    });
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
} catch (error) {
  serverNote = `PostgreSQL server not measured: ${(error as Error).message}`;
  console.warn(serverNote);
}
const lite = new PGlite();
const liteStore = createPostgresLabelStore({ client: fromPGlite(lite) });
await liteStore.append(sqlAssertions);
await lite.query('ANALYZE ofs_label_assertions');
await measure('PGlite (@ofs/labels-postgres)', SQL_SUBJECTS, Math.min(REPS, 3), async () => {
  await resolveAll(liteStore, SQL_SUBJECTS);
});
await lite.close();

// ── report ───────────────────────────────────────────────────────────────────
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const target = 500_000;
const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(', ');
const lines = [
  '# @ofs/labels benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench labels\` on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}.`,
  `Other work (other packages building and testing) ran on the machine at the same time (load average ${load} at the end of the run),`,
  'so wall-clock figures are depressed and noisy; the CPU-time column (subjects per CPU-second of this process, DuckDB’s threads included)',
  'is the steadier measure of cost. Ratios compare figures of the same run.',
  '',
  `Workload: ${fmt(SUBJECTS)} subjects (${fmt(SQL_SUBJECTS)} for the SQL stores), 2 label types, 3 assertions per subject (2 + 1),`,
  `cutoff ${CUTOFF} (about 75% of assertions eligible), maturity 1 day. One resolution = \`resolveBatch\` over batches of ${fmt(BATCH)}`,
  'subjects (one store call each) plus `finish()` (scoped state marker + receipt); median of',
  `${REPS} runs after a warm-up (3 for the SQL stores), back to back. DuckDB: the same assertions, timestamps pre-parsed to TIMESTAMPTZ at load`,
  '(not timed), one `ASOF LEFT JOIN` per (subject, type) on `asof >= observed`; timed once with the rows read into JS and once',
  'counting inside the engine. The PostgreSQL server’s own CPU is not in its per-CPU-second figure (other process);',
  'PGlite runs in this process, so its figure includes the database.',
  '',
  'The memory store row is the resolver’s fast path for its own memory store (timestamps parsed and label types interned',
  'once at append, one pass per batch, digest lines written as bytes into a reused buffer). “via the port” reads the same',
  'store through the `LabelStore` port as any other store is read (one async generator, every timestamp parsed per run);',
  'the bench checks that both give the same receipt bytes. No V8 flags are used for any figure.',
  '',
  'Earlier versions of this bench forced a full GC (`gc()`) before every run. In this process, with several hundred MB of',
  'fixtures, that GC also discards part of the resolver’s optimized code (V8 `--trace-deopt`: “weak objects”), so each',
  '200,000-subject run measured JIT re-warming as much as resolution. Runs are now back to back, for every source alike;',
  'the forced-GC method is kept as its own row and target line, so the two can be compared.',
  '',
  '| source | subjects | subjects/s (wall) | subjects per CPU-s | vs DuckDB → JS rows (wall) |',
  '| --- | --- | --- | --- | --- |',
  ...figures.map(
    (f) =>
      `| ${f.source} | ${fmt(f.subjects)} | ${fmt(f.wallPerSecond)} | ${fmt(f.cpuPerSecond)} | ${ratio(f.wallPerSecond, duckRead.wallPerSecond)} |`,
  ),
  '',
  '| target | result | met |',
  '| --- | --- | --- |',
  `| ≥ ${fmt(target)} subjects/s from memory | ${fmt(mem.wallPerSecond)}/s wall, ${fmt(mem.cpuPerSecond)} per CPU-s | ${mem.wallPerSecond >= target ? 'yes' : mem.cpuPerSecond >= target ? 'per CPU-second only (not on the wall clock of this loaded machine)' : 'no'} |`,
  `| the same, with the earlier forced-GC method | ${fmt(memForcedGc.wallPerSecond)}/s wall, ${fmt(memForcedGc.cpuPerSecond)} per CPU-s | ${memForcedGc.wallPerSecond >= target ? 'yes' : memForcedGc.cpuPerSecond >= target ? 'per CPU-second only' : 'no'} |`,
  `| report the DuckDB ratio | memory / DuckDB ASOF → JS rows: ${ratio(mem.wallPerSecond, duckRead.wallPerSecond)} wall, ${ratio(mem.cpuPerSecond, duckRead.cpuPerSecond)} CPU; memory / DuckDB in-engine count: ${ratio(mem.wallPerSecond, duckEngine.wallPerSecond)} wall, ${ratio(mem.cpuPerSecond, duckEngine.cpuPerSecond)} CPU | reported |`,
  '',
  `Cross-check: DuckDB labelled ${fmt(duckLabelled)} (subject, type) pairs; the resolver gave the same value for ${fmt(agree)} of them`,
  `(the resolver additionally applies effective-time ranking and CONFLICT detection, which ASOF JOIN does not).`,
  `Receipt of the memory run: coverage ${memoryResult.receipt.coverage.toFixed(4)}, ${fmt(memoryResult.receipt.counts.mature)} mature of ${fmt(memoryResult.receipt.counts.subjects)} subjects.`,
  ...(serverNote ? ['', serverNote] : []),
  '',
  'Not like for like: DuckDB’s ASOF JOIN returns the latest-observed assertion only (no effective-time ranking, no conflict',
  'detection, no maturity, no receipt) and gets timestamps already parsed, as the memory store’s fast path does; through the',
  'port (and from the SQL stores) the resolver parses and validates every assertion timestamp on every run, because those',
  'stores hold them as written.',
  '',
];
writeFileSync(new URL('./results/labels.md', import.meta.url), lines.join('\n'));
console.log('wrote bench/results/labels.md');
