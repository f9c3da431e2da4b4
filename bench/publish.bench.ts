// End-to-end build throughput and peak RSS of the publish stage: segment files (EB + Archive, as
// written by @ofs/fs) → resolveReplay → label resolution (memory label store) → reconstruct with
// the demo profile (10 windowed features) → publish to the filesystem store. Each measurement
// runs in a fresh child process (bench/publish-pipeline.child.mjs, plain JS against the built
// packages), so its peak RSS is its own. Writes bench/results/publish.md. `pnpm build` first.
//   PUBLISH_BENCH_N      events of the throughput runs (default 1,000,000)
//   PUBLISH_BENCH_RSS_N  events of the peak-RSS run (default 10,000,000; 0 skips it)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARTITIONS, writeSources } from './publish-fixture.mjs';

const N = Number(process.env.PUBLISH_BENCH_N ?? 1_000_000);
const RSS_N = Number(process.env.PUBLISH_BENCH_RSS_N ?? 10_000_000);
const TARGET_ROWS_PER_S = 250_000;
const TARGET_RSS_MB = 1024;
const root = join(import.meta.dirname, '..');

interface ChildOut {
  mode: string;
  n: number;
  records: number;
  rows?: number;
  bytes?: number;
  parts?: number;
  immature_excluded?: number;
  rows_digest?: string;
  status_class?: string;
  replay_status?: string;
  label_status?: string;
  build_seconds?: number;
  build_cpu_seconds?: number;
  reconstruct_seconds?: number;
  publish_seconds?: number;
  seconds: number;
  cpu_seconds: number;
  max_rss_mb: number;
}

function child(args: string[]): ChildOut {
  const run = spawnSync(process.execPath, ['--max-old-space-size=4096', join('bench', 'publish-pipeline.child.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`child ${args.join(' ')} failed: ${run.stderr}`);
  const last = run.stdout.trim().split('\n').pop() as string;
  return JSON.parse(last) as ChildOut;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const load0 = loadavg()[0] as number;
const work = mkdtempSync(join(tmpdir(), 'ofs-publish-bench-'));
const lines: string[] = [];
try {
  console.log(`writing segment files for ${fmt(N)} events…`);
  const src = await writeSources(N, join(work, 'n'));
  console.log(`  ${src.seconds.toFixed(1)} s`);
  const replay = child(['replay', String(N), src.eb, src.archive]);
  console.log('replay baseline', replay);
  const pipeline = child(['pipeline', String(N), src.eb, src.archive, join(work, 'out-n')]);
  console.log('pipeline', pipeline);
  rmSync(join(work, 'out-n'), { recursive: true, force: true });
  const stage = child(['stage', String(N), join(work, 'out-stage')]);
  console.log('stage (generated sources)', stage);
  rmSync(join(work, 'out-stage'), { recursive: true, force: true });
  rmSync(join(work, 'n'), { recursive: true, force: true });

  let big: ChildOut | undefined;
  if (RSS_N > 0) {
    console.log(`writing segment files for ${fmt(RSS_N)} events…`);
    const bigSrc = await writeSources(RSS_N, join(work, 'big'));
    console.log(`  ${bigSrc.seconds.toFixed(1)} s`);
    big = child(['pipeline', String(RSS_N), bigSrc.eb, bigSrc.archive, join(work, 'out-big')]);
    console.log('pipeline 10M', big);
  }
  const load1 = loadavg()[0] as number;

  const rate = (o: ChildOut, seconds = o.build_seconds ?? o.seconds) => (o.rows ?? o.records) / seconds;
  const cpuRate = (o: ChildOut) => (o.rows ?? o.records) / (o.build_cpu_seconds ?? o.cpu_seconds);
  const yes = (ok: boolean) => (ok ? '**yes**' : '**no**');
  lines.push(
    '# @ofs/publish benchmark',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench publish\` on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}.`,
    `**Other helpers' builds and test suites ran on the same machine at the same time** (1-minute load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end, on ${cpus().length} cores), so wall-clock figures are depressed and noisy; the per-CPU-second figures (user + system time of the measured process) reflect the code better. Ratios are against the replay-only baseline measured in the same run.`,
    '',
    `Setup: ${PARTITIONS} \`kafka_offset\` partitions of \`fp.bus.traffic.fraud.v1\`, demo card-payment events (payload of packages/ofs-publish/README.md; 200,000 cards, 5,000 merchants, 30 days, ~2% late events), real payload hashes. Segment files: the Archive holds the first 60% of every partition, EB the last 60% (20% read from both, hashes compared). Training plan, demo profile \`fraud-demo@v1\` (4 field projections, 10 windowed features in 4 window groups), 1% of events labelled, \`maturity_days\` 1 (the last day of events is immature and left out), \`part_rows\` 100,000, fs object store with fsync. One thread (no worker threads). Build time = resolveReplay + labels + reconstruct + publish (publication re-reads and re-hashes every part); process start-up and label-store seeding excluded.`,
    '',
    '| measurement | rows | wall clock | rows/s (wall) | rows per CPU-second | peak RSS | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| replay only: segment files → \`resolveReplay\` (baseline) | ${fmt(replay.records)} records | ${replay.seconds.toFixed(1)} s | ${fmt(rate(replay))} | ${fmt(cpuRate(replay))} | ${fmt(replay.max_rss_mb)} MB | – | – |`,
    `| end to end: segment files → replay → labels → reconstruct → publish | ${fmt(pipeline.rows ?? 0)} | ${(pipeline.build_seconds ?? 0).toFixed(1)} s | ${fmt(rate(pipeline))} | ${fmt(cpuRate(pipeline))} | ${fmt(pipeline.max_rss_mb)} MB | ≥ ${fmt(TARGET_ROWS_PER_S)} rows/s | ${yes(rate(pipeline) >= TARGET_ROWS_PER_S)} |`,
    `| end to end / replay-only baseline | – | – | ${(rate(pipeline) / rate(replay)).toFixed(2)}× | ${(cpuRate(pipeline) / cpuRate(replay)).toFixed(2)}× | – | – | – |`,
    `| reconstruct + publish over generated in-memory sources (no file parsing) | ${fmt(stage.rows ?? 0)} | ${(stage.build_seconds ?? 0).toFixed(1)} s | ${fmt(rate(stage))} | ${fmt(cpuRate(stage))} | ${fmt(stage.max_rss_mb)} MB | – | – |`,
  );
  if (big) {
    lines.push(
      `| end to end, ${fmt(RSS_N)} events | ${fmt(big.rows ?? 0)} | ${(big.build_seconds ?? 0).toFixed(1)} s | ${fmt(rate(big))} | ${fmt(cpuRate(big))} | **${fmt(big.max_rss_mb)} MB** | ≤ ${fmt(TARGET_RSS_MB)} MB peak RSS; ≥ ${fmt(TARGET_ROWS_PER_S)} rows/s | RSS ${yes(big.max_rss_mb <= TARGET_RSS_MB)}, rows/s ${yes(rate(big) >= TARGET_ROWS_PER_S)} |`,
    );
  }
  lines.push(
    '',
    `Outputs: ${pipeline.parts} parts, ${fmt((pipeline.bytes ?? 0) / 1e6)} MB of JSONL for ${fmt(pipeline.rows ?? 0)} rows (${fmt((pipeline.bytes ?? 0) / (pipeline.rows || 1))} bytes a row), ${fmt(pipeline.immature_excluded ?? 0)} immature rows excluded; replay ${pipeline.replay_status}, labels ${pipeline.label_status}, status class ${pipeline.status_class}. The generated-source run gave ${stage.rows_digest === pipeline.rows_digest ? 'the same' : 'a different (expected: its payload hashes are synthetic)'} rows digest as the segment-file run.`,
    big
      ? `The ${fmt(RSS_N)}-event run: ${big.parts} parts, ${fmt((big.bytes ?? 0) / 1e9)} GB of JSONL, reconstruct ${(big.reconstruct_seconds ?? 0).toFixed(0)} s, publish ${(big.publish_seconds ?? 0).toFixed(0)} s, replay ${big.replay_status}, status class ${big.status_class}.`
      : '',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(root, 'bench', 'results', 'publish.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
