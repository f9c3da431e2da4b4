// Replay throughput (records/s through resolveReplay) from in-memory sources and from segment
// files, with EB and Archive overlapping on 20% of the range, and peak RSS at 10 million records.
// Writes bench/results/replay.md. Run with `pnpm build && pnpm bench replay`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplayRecord, ReplaySource } from '@ofs/contracts';
import { createSegmentFileSource, writeSegmentFiles } from '@ofs/fs';
import { createMemoryReplaySource, resolveReplay } from '@ofs/replay';
import { benchPlan, makeRecord, memoryStore } from './replay-fixture.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const loadAtStart = loadavg()[0]!;
// Optional sizes for quick local runs: node --import tsx bench/replay.bench.ts [N] [RSS_N]
const N = Number(process.argv[2] ?? 1_000_000);
const RSS_N = Number(process.argv[3] ?? 10_000_000);
const RUNS = 3;
const lo = Math.floor(N * 0.4); // EB holds [0.4N, N), the Archive [0, 0.6N): both hold 20% of the range.
const hi = Math.floor(N * 0.6) - 1;

function* records(from: number, to: number, realHash: boolean): Generator<ReplayRecord> {
  for (let o = from; o <= to; o++) yield makeRecord(0, o, realHash);
}

async function drainSources(eb: ReplaySource, archive: ReplaySource): Promise<number> {
  const slice = benchPlan(N).replay_basis[0]!;
  let n = 0;
  for await (const _ of eb.read(slice, { start: String(lo), end: String(N - 1) })) n++;
  for await (const _ of archive.read(slice, { start: '0', end: String(hi) })) n++;
  return n;
}

async function replay(eb: ReplaySource, archive: ReplaySource) {
  const r = resolveReplay(benchPlan(N), { eb, archive, policy: { anomaly_list_limit: 1000 }, store: memoryStore() });
  let n = 0;
  for await (const _ of r.records) n++;
  return { n, receipt: await r.receipt };
}

async function best<T>(label: string, run: () => Promise<T & { n: number }>) {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let last: T | undefined;
  await run(); // one unmeasured warm-up run (JIT, and V8 sizing its young generation to the allocation rate)
  for (let i = 0; i < RUNS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t = performance.now();
    const c = process.cpuUsage();
    const result = await run();
    const cpu = process.cpuUsage(c);
    rates.push(result.n / ((performance.now() - t) / 1000));
    cpuRates.push(result.n / ((cpu.user + cpu.system) / 1e6));
    last = result;
  }
  rates.sort((a, b) => a - b);
  cpuRates.sort((a, b) => a - b);
  console.log(`${label}: median ${fmt(rates[1]!)} /s wall, ${fmt(cpuRates[1]!)} per CPU-second`);
  return { median: rates[1]!, best: rates[2]!, cpu: cpuRates[1]!, last: last! };
}

// ── in memory ─────────────────────────────────────────────────────────────────
const memEb = createMemoryReplaySource(records(lo, N - 1, true));
const memArchive = createMemoryReplaySource(records(0, hi, true));
const memBase = await best('memory: draining both sources directly (baseline)', async () => ({ n: await drainSources(memEb, memArchive) }));
const mem = await best('memory: resolveReplay', () => replay(memEb, memArchive));

// ── segment files ─────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), 'ofs-bench-replay-'));
try {
  const ebRoot = join(dir, 'eb');
  const archiveRoot = join(dir, 'archive');
  await writeSegmentFiles({ root: ebRoot, records: records(lo, N - 1, true) });
  await writeSegmentFiles({ root: archiveRoot, records: records(0, hi, true) });
  const fileEb = createSegmentFileSource({ root: ebRoot });
  const fileArchive = createSegmentFileSource({ root: archiveRoot });
  const fileBase = await best('files: draining both sources directly (baseline)', async () => ({
    n: await drainSources(fileEb, fileArchive),
  }));
  const files = await best('files: resolveReplay', () => replay(fileEb, fileArchive));
  const sameEvidence = files.last.receipt.evidence_digest === mem.last.receipt.evidence_digest;
  console.log(`files and memory give the same evidence_digest: ${sameEvidence}`);

  // ── peak RSS at 10M records, each in a fresh process ───────────────────────
  const child = (args: string[]) => {
    const run = spawnSync(process.execPath, ['bench/replay-rss.child.mjs', ...args], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout.trim().split('\n').pop()!) as { records: number; seconds: number; maxRssMb: number; status: string };
  };
  const rssIdle = child(['idle', '0']);
  const rssGenerated = child(['generated', String(RSS_N)]);
  console.log(
    `generated sources, ${fmt(rssGenerated.records)} records: ${fmt(rssGenerated.records / rssGenerated.seconds)} /s, peak RSS ${rssGenerated.maxRssMb.toFixed(0)} MB`,
  );
  const bigEb = join(dir, 'big-eb');
  const bigArchive = join(dir, 'big-archive');
  await writeSegmentFiles({ root: bigEb, records: records(Math.floor(RSS_N * 0.4), RSS_N - 1, false) });
  await writeSegmentFiles({ root: bigArchive, records: records(0, Math.floor(RSS_N * 0.6) - 1, false) });
  const rssFiles = child(['files', String(RSS_N), bigEb, bigArchive]);
  console.log(
    `segment files, ${fmt(rssFiles.records)} records: ${fmt(rssFiles.records / rssFiles.seconds)} /s, peak RSS ${rssFiles.maxRssMb.toFixed(0)} MB`,
  );

  const yes = (ok: boolean) => (ok ? '**yes**' : '**no**');
  const loadAtEnd = loadavg()[0]!;
  const busy = Math.max(loadAtStart, loadAtEnd) > cpus().length;
  const unmet = [
    mem.median < 2_000_000 ? `in-memory throughput by wall clock (${fmt(mem.median)}/s; ${fmt(mem.cpu)} per CPU-second)` : '',
    files.median < 400_000 ? `file throughput by wall clock (${fmt(files.median)}/s; ${fmt(files.cpu)} per CPU-second)` : '',
    rssGenerated.maxRssMb > 200 ? `peak RSS with generated sources (${rssGenerated.maxRssMb.toFixed(0)} MB)` : '',
    rssFiles.maxRssMb > 200 ? `peak RSS from segment files (${rssFiles.maxRssMb.toFixed(0)} MB)` : '',
  ].filter(Boolean);
  const date = new Date().toISOString().slice(0, 10);
  const md = `# @ofs/replay benchmarks

Measured ${date} with \`pnpm bench replay\` on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}.
${
  busy
    ? `**Other work (builds and test suites) ran on the same machine at the same time**: 1-minute load average
${loadAtStart.toFixed(1)} at the start and ${loadAtEnd.toFixed(1)} at the end of the run, on ${cpus().length} cores. Absolute figures are noisy; each ratio is against a baseline
measured in the same run.`
    : `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadAtEnd.toFixed(1)} at the end of the run, on ${cpus().length} cores. Each ratio is against a baseline measured in the same run.`
}

Setup: one \`kafka_offset\` slice of ${fmt(N)} records; EB holds offsets [${fmt(lo)}, ${fmt(N - 1)}], the Archive
[0, ${fmt(hi)}], so both hold 20% of the range (read from both, hashes compared). Synthetic fraud-bus
events (6-field payload, real sha256 payload hashes). Training plan, receipt written to an in-memory
store. Throughput = records emitted on \`records\` / time including the receipt, median of ${RUNS} runs after one
unmeasured warm-up run,
both per wall-clock second and per CPU-second of this process (user + system): on a machine
shared with other work the CPU-second figure is the one that reflects the code, the wall-clock
figure the one the target names.

| measurement | wall clock | per CPU-second | target | met (wall clock) | met (per CPU-second) |
| --- | --- | --- | --- | --- | --- |
| in memory: draining both sources directly (baseline) | ${fmt(memBase.median)} records/s | ${fmt(memBase.cpu)} | – | – | – |
| in memory: \`resolveReplay\` | ${fmt(mem.median)} records/s (best ${fmt(mem.best)}) | ${fmt(mem.cpu)} | ≥ 2,000,000 records/s | ${yes(mem.median >= 2_000_000)} | ${yes(mem.cpu >= 2_000_000)} |
| in memory: resolveReplay / baseline | ${(mem.median / memBase.median).toFixed(2)}× | ${(mem.cpu / memBase.cpu).toFixed(2)}× | – | – | – |
| segment files: draining both sources directly (baseline) | ${fmt(fileBase.median)} records/s | ${fmt(fileBase.cpu)} | – | – | – |
| segment files: \`resolveReplay\` | ${fmt(files.median)} records/s (best ${fmt(files.best)}) | ${fmt(files.cpu)} | ≥ 400,000 records/s | ${yes(files.median >= 400_000)} | ${yes(files.cpu >= 400_000)} |
| segment files: resolveReplay / baseline | ${(files.median / fileBase.median).toFixed(2)}× | ${(files.cpu / fileBase.cpu).toFixed(2)}× | – | – | – |

| measurement | result | target | met |
| --- | --- | --- | --- |
| peak RSS of the same child process doing no replay (baseline) | ${rssIdle.maxRssMb.toFixed(0)} MB | – | – |
| peak RSS, ${fmt(rssGenerated.records)} records, generated in-memory sources | ${rssGenerated.maxRssMb.toFixed(0)} MB (${fmt(rssGenerated.records / rssGenerated.seconds)} records/s) | ≤ 200 MB | ${yes(rssGenerated.maxRssMb <= 200)} |
| peak RSS, ${fmt(rssFiles.records)} records, segment files | ${rssFiles.maxRssMb.toFixed(0)} MB (${fmt(rssFiles.records / rssFiles.seconds)} records/s) | ≤ 200 MB | ${yes(rssFiles.maxRssMb <= 200)} |

Files and memory gave the same \`evidence_digest\`: ${sameEvidence ? 'yes' : 'NO'}. Replay status in every run:
${mem.last.receipt.status} (memory), ${files.last.receipt.status} (files), ${rssGenerated.status} / ${rssFiles.status} (10M runs).

Notes:
- The peak-RSS runs each start a fresh process (\`bench/replay-rss.child.mjs\`, plain JavaScript on
  the built packages, so no TypeScript loader counts). "Generated" sources create each record when it
  is read and hold nothing, so the figure is the replay's own memory; a memory source holding 10M
  records would itself need gigabytes. The segment-file run streams each 50,000-record segment through a 256 KiB buffer.
- Per record, \`resolveReplay\` now costs one resolved promise for the consumer's \`for await\`
  (a hand-written iterator: no async-generator step), a plain-number offset parse and compare (the
  slice ends below 2^53; BigInt beyond), and the evidence line written as bytes into a 64 KiB
  buffer hashed with sha256 (no string per record). From files, each line is decoded on its own
  and the five fields the writer puts in a fixed order are read directly, with \`JSON.parse\` only
  on the payload (any other line shape falls back to \`JSON.parse\` of the line).
- Segment files are parsed on the main thread: worker threads were not implemented. A parsed
  record has to cross to the main thread by structured clone, which measured ~1.1 µs per record
  against ~1.3 µs for parsing it there; a one-off experiment on this machine (one source, 600,000
  records, not part of this bench) ran at 179–206k records/s through a worker against 287–319k/s
  parsed inline, so on 2 cores it does not pay.
- ${unmet.length === 0 ? 'Every target is met in this run.' : `Not met in this run: ${unmet.join('; ')}.`}
`;
  writeFileSync('bench/results/replay.md', md);
  console.log('\nwrote bench/results/replay.md');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
