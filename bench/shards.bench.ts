// Sharded builds on worker threads: segment files (EB + Archive) → resolveReplay → labels →
// reconstruct on 1 and 2 threads → publish, beside a parse-only baseline of the same files
// (resolveReplay drained: every record read and JSON.parsed, nothing else), all in one run, each
// in a fresh child process (bench/publish-pipeline.child.mjs) so its peak RSS (all threads) is
// its own. Writes bench/results/shards.md. `pnpm build` first.
//   SHARDS_BENCH_N  events (default 1,000,000)
//   SHARDS_BENCH_PG_URL (or OFS_TEST_PG_URL)  a PostgreSQL server: also build the plan with 3
//                   `ofs worker --shards` processes (bench/shards-fleet.child.mjs); build the runner first
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARTITIONS, writeSources } from './publish-fixture.mjs';

const N = Number(process.env.SHARDS_BENCH_N ?? 1_000_000);
const root = join(import.meta.dirname, '..');

interface ChildOut {
  mode: string;
  threads: number;
  records: number;
  rows?: number;
  parts?: number;
  rows_digest?: string;
  status_class?: string;
  build_seconds?: number;
  build_cpu_seconds?: number;
  seconds: number;
  cpu_seconds: number;
  max_rss_mb: number;
  load?: number;
  /** Fleet only: shards built by each worker process, and the processes' peak RSS summed. */
  shards_by_worker?: number[];
  sum_rss_mb?: number;
}

const PG_URL = process.env.SHARDS_BENCH_PG_URL ?? process.env.OFS_TEST_PG_URL;

/** Most seconds to wait before a measurement for the 1-minute load average to fall below 1.0. */
const SETTLE_S = Number(process.env.SHARDS_BENCH_SETTLE_S ?? 120);

/** Waits (at most SETTLE_S) until the 1-minute load average is below 1.0; returns it. */
function settle(): number {
  const until = Date.now() + SETTLE_S * 1000;
  while ((loadavg()[0] as number) >= 1 && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5_000);
  return loadavg()[0] as number;
}

function child(args: string[], script = 'publish-pipeline.child.mjs'): ChildOut {
  const load = settle();
  const run = spawnSync(process.execPath, ['--max-old-space-size=4096', join('bench', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`child ${args.join(' ')} failed: ${run.stderr}`);
  return { ...(JSON.parse(run.stdout.trim().split('\n').pop() as string) as ChildOut), load };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const work = mkdtempSync(join(tmpdir(), 'ofs-shards-bench-'));
try {
  console.log(`writing segment files for ${fmt(N)} events…`);
  // Written where a corridor directory keeps its segments, so the fleet measurement reads the same files.
  const corridorDir = join(work, 'corridor');
  const src = await writeSources(N, join(corridorDir, 'segments'));
  const parse = child(['replay', String(N), src.eb, src.archive]);
  console.log('parse-only baseline', parse);
  const one = child(['pipeline', String(N), src.eb, src.archive, join(work, 'out-1'), '1']);
  console.log('1 thread', one);
  rmSync(join(work, 'out-1'), { recursive: true, force: true });
  // SHARDS_BENCH_MAIN_READ=0 leaves out the variant where the main thread reads for both workers.
  const twoMain =
    process.env.SHARDS_BENCH_MAIN_READ === '0'
      ? undefined
      : child(['pipeline', String(N), src.eb, src.archive, join(work, 'out-2m'), '2', 'main']);
  if (twoMain) console.log('2 threads, main thread reads', twoMain);
  rmSync(join(work, 'out-2m'), { recursive: true, force: true });
  const two = child(['pipeline', String(N), src.eb, src.archive, join(work, 'out-2'), '2', 'worker-read']);
  console.log('2 threads, workers read', two);
  rmSync(join(work, 'out-2'), { recursive: true, force: true });
  const fleet = PG_URL ? child([String(N), corridorDir, PG_URL, '3'], 'shards-fleet.child.mjs') : undefined;
  if (fleet) console.log('3 worker processes, shard tasks on the server', fleet);

  const loads = () => [parse, one, ...(twoMain ? [twoMain] : []), two, ...(fleet ? [fleet] : [])].map((o) => o.load ?? 0);
  const wall = (o: ChildOut) => (o.rows ?? o.records) / (o.build_seconds ?? o.seconds);
  const perCpu = (o: ChildOut) => (o.rows ?? o.records) / (o.build_cpu_seconds ?? o.cpu_seconds);
  const yes = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const row = (what: string, o: ChildOut) =>
    `| ${what} | ${fmt(o.rows ?? o.records)}${o.rows === undefined ? ' records' : ''} | ${(o.build_seconds ?? o.seconds).toFixed(1)} s | ${fmt(wall(o))} | ${fmt(perCpu(o))} | ${fmt(o.max_rss_mb)} MB | ${(o.load ?? 0).toFixed(2)} |`;
  const speedup = wall(two) / wall(one);
  const lines = [
    '# Sharded builds benchmark',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench shards\` on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}. The 1-minute load average before each measurement is in the table; before each one the bench waited up to ${SETTLE_S} s for it to fall below 1.0 (${loads().every((l) => l < 1) ? 'it did every time' : '**it did not every time**: the previous measurement or other work still weighed on the machine, so wall-clock figures are depressed where it is above 1'}).`,
    '',
    `Setup: ${fmt(N)} demo card-payment events in ${PARTITIONS} partitions as segment files (Archive the first 60% of each partition, EB the last 60%), training plan, demo profile, 1% labelled, \`part_rows\` 100,000, fs object store; the same fixture as bench/results/publish.md. Build = replay + labels + reconstruct + publish. Threads = worker threads of \`reconstructSharded\` (1 = the one-thread \`reconstruct\`). CPU seconds and peak RSS are the whole process's, all threads included.`,
    '',
    '| measurement | rows | wall clock | rows/s (wall) | rows per CPU-second | peak RSS | load before |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    row('parse-only baseline: segment files → `resolveReplay` drained', parse),
    row('build, 1 thread', one),
    ...(twoMain ? [row('build, 2 threads (main thread reads and sends records)', twoMain)] : []),
    row('build, 2 threads (workers read their partitions: `workerReader`)', two),
    ...(fleet
      ? [
          row(
            `build, 3 \`ofs worker --shards\` processes on the PostgreSQL server (shards built per process: ${fleet.shards_by_worker?.join(', ')}; peak RSS of the largest process, ${fmt(fleet.sum_rss_mb ?? 0)} MB summed)`,
            fleet,
          ),
        ]
      : ['| 3 worker processes on a PostgreSQL server | not measured: set SHARDS_BENCH_PG_URL | | | | | |']),
    `| 2 threads (workers read) / 1 thread | – | – | ${speedup.toFixed(2)}× | ${(perCpu(two) / perCpu(one)).toFixed(2)}× | ${(two.max_rss_mb / one.max_rss_mb).toFixed(2)}× | – |`,
    `| 1 thread / parse-only baseline | – | – | ${(wall(one) / wall(parse)).toFixed(2)}× | ${(perCpu(one) / perCpu(parse)).toFixed(2)}× | – | – |`,
    '',
    `Same bytes: the thread builds wrote rows digests ${[one, ...(twoMain ? [twoMain] : []), two].map((o) => `${o.rows_digest?.slice(0, 12)}…`).join(', ')} (${one.rows_digest === two.rows_digest && (twoMain === undefined || one.rows_digest === twoMain.rows_digest) ? 'identical' : '**different**'}), ${one.parts} parts each, status class ${one.status_class}.${fleet ? ` The fleet build goes through the runner (its own plan over the same events, cutoff and maturity): ${fmt(fleet.rows ?? 0)} rows, rows digest ${fleet.rows_digest?.slice(0, 12)}… (${fleet.rows_digest === one.rows_digest ? 'the same as the thread builds' : 'its own plan'}), ${fleet.parts} parts, status class ${fleet.status_class}.` : ''}`,
    '',
    '## Targets (issue 17)',
    '',
    `- ≥ 125,000 rows per CPU-second on one thread: ${fmt(perCpu(one))} — ${yes(perCpu(one) >= 125_000)}.`,
    `- ≥ 250,000 rows/s wall with 2 threads: ${fmt(wall(two))} at load ${(two.load ?? 0).toFixed(2)} — ${yes(wall(two) >= 250_000)}.`,
    `- Peak RSS ≤ 512 MB (measured here at ${fmt(N)} events${N >= 10_000_000 ? '' : ', not 10M'}): 1 thread ${fmt(one.max_rss_mb)} MB, 2 threads ${fmt(two.max_rss_mb)} MB — ${yes(Math.max(one.max_rss_mb, two.max_rss_mb) <= 512)}${N >= 10_000_000 ? '' : ' at this size'}.`,
    `- 2 threads ≥ 1.8× the rows/s of 1 thread: ${speedup.toFixed(2)}× — ${yes(speedup >= 1.8)}.`,
    fleet
      ? `- 3 worker processes on the server (not a target; the issue asks for the figure): ${fmt(wall(fleet))} rows/s wall, ${(wall(fleet) / wall(one)).toFixed(2)}× one thread, ${fmt(perCpu(fleet))} rows per CPU-second over all processes, at load ${(fleet.load ?? 0).toFixed(2)}.`
      : '- 3 worker processes on the server: not measured in this run.',
    '',
  ];
  writeFileSync(join(root, 'bench', 'results', 'shards.md'), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
