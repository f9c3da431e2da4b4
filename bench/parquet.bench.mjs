// The same generated build as JSONL and as Parquet in one run (each in a fresh process, alternating),
// then writes bench/results/parquet.md.   node bench/parquet.bench.mjs [events]   (default 1,000,000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const n = Number(process.argv[2] ?? 1_000_000);
const load0 = loadavg();
const runs = [];
for (const format of ['jsonl', 'parquet']) {
  const root = mkdtempSync(join(tmpdir(), `ofs-bench-${format}-`));
  try {
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=4096', new URL('./parquet.child.mjs', import.meta.url).pathname, format, String(n), root],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    runs.push(JSON.parse(out.trim().split('\n').pop()));
    console.error(JSON.stringify(runs.at(-1)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
const load1 = loadavg();
const [j, p] = runs;
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const row = (r) =>
  `| ${r.format} | ${fmt(r.rows)} | ${r.parts} | ${fmt(r.bytes / r.rows, 1)} | ${fmt(r.build_seconds, 1)} s | ${fmt(r.rows / r.build_seconds)} | ${fmt(r.rows / r.build_cpu_seconds)} | ${r.build_peak_rss_mb} MB | ${fmt(r.read_rows / r.read_seconds)} | ${fmt(r.read_rows / r.read_cpu_seconds)} |`;
const md = `# Parquet vs JSONL parts

Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/parquet.bench.mjs ${n}\` on 2 cores, Node ${process.version}. 1-minute load average ${load0.map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) at the start, ${load1.map((x) => x.toFixed(1)).join(' / ')} at the end: **other helpers' builds and tests shared the 2 cores**, so wall-clock figures are depressed; compare the per-CPU-second columns and the ratios (both builds measured in this run, JSONL first, each in a fresh process).

Setup: the publish benchmark's generated demo events (bench/publish-fixture.mjs: ${n.toLocaleString('en-US')} events over 4 partitions, 20% overlap of EB and Archive, 1% labelled, training plan, maturity 1 day), typed profile \`fraud-demo@v2\` (amount decimal(18,2), 10 windows), \`part_rows\` 100,000, fs store. Build = resolveReplay + labels + reconstruct + publish (the publish gate re-reads every part; for Parquet it decodes them to re-check the rows digest). Read = what \`readDataset\` does per part (size and sha256 check, decode to row objects, rows digest over canonical lines), without its evidence-chain checks (the bench plan ids are synthetic). Peak RSS sampled every 50 ms during the build.

| format | rows | parts | bytes/row | build wall | build rows/s | build rows per CPU-s | build peak RSS | read rows/s | read rows per CPU-s |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${row(j)}
${row(p)}

Same rows digest in both builds: **${j.rows_digest === p.rows_digest ? 'yes' : 'NO'}** (\`${p.rows_digest}\`).

| ratio (Parquet / JSONL) | value | target | met |
| --- | --- | --- | --- |
| part bytes | 1 / ${fmt(j.bytes / p.bytes, 1)} | ≥ 5× smaller | ${j.bytes / p.bytes >= 5 ? 'yes' : '**no**'} |
| build rows per CPU-second | ${fmt(j.build_cpu_seconds / p.build_cpu_seconds, 2)}× | ≥ 0.9× | ${j.build_cpu_seconds / p.build_cpu_seconds >= 0.9 ? 'yes' : '**no**'} |
| build peak RSS | ${fmt(p.build_peak_rss_mb / j.build_peak_rss_mb, 2)}× | ≤ 1.05× | ${p.build_peak_rss_mb / j.build_peak_rss_mb <= 1.05 ? 'yes' : '**no**'} |
| read rows per CPU-second | ${fmt(j.read_cpu_seconds / p.read_cpu_seconds, 2)}× | – | – |
`;
writeFileSync(new URL('./results/parquet.md', import.meta.url), md);
console.log(md);
