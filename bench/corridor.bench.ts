// End-to-end corridor through the built `ofs` CLI on the embedded default (fs store + PGlite):
// `ofs demo` with its default event count, then a 1M-event demo (generation + build), then a fresh
// full build of those 1M events (a new plan: a later label cutoff). Wall time and peak RSS of each
// CLI process via /usr/bin/time. Writes bench/results/corridor.md. `pnpm build` first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'packages/ofs-runner/dist/cli.js');
const BIG = Number(process.env.CORRIDOR_BENCH_EVENTS ?? 1_000_000);
if (!existsSync(cli)) throw new Error('build first: pnpm build');

interface Measured {
  label: string;
  wallS: number;
  rssMb: number;
  code: number | null;
  json: Record<string, any>;
}

function measure(label: string, args: string[], cwd: string): Measured {
  const timeFile = join(cwd, `time-${Date.now()}.txt`);
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, cli, ...args, '--json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  if (run.status !== 0) console.error(run.stderr);
  const m = { label, wallS, rssMb: rssKb / 1024, code: run.status, json: JSON.parse(run.stdout || '{}') };
  console.log(`${label}: ${wallS.toFixed(1)} s, peak RSS ${m.rssMb.toFixed(0)} MB, exit ${run.status}`);
  return m;
}

const work = mkdtempSync(join(tmpdir(), 'ofs-corridor-bench-'));
const load = loadavg()[0]!.toFixed(1);
try {
  const demo = measure('ofs demo (default 20,000 events)', ['demo', '--dir', join(work, 'demo')], work);
  const bigDir = join(work, 'big');
  const big = measure(`ofs demo --events ${BIG} (generate + build + converge)`, ['demo', '--dir', bigDir, '--events', String(BIG)], work);
  const intent = JSON.parse(readFileSync(join(bigDir, 'intents/build.json'), 'utf8'));
  intent.request_id = 'bench.build.later-cutoff';
  intent.label_basis.label_asof_utc = '2026-11-03T18:00:00Z';
  writeFileSync(join(work, 'later.json'), JSON.stringify(intent));
  const build = measure(
    `ofs build of ${BIG} events (new plan, full replay + reconstruction + publish)`,
    ['build', join(work, 'later.json'), '--dir', bigDir],
    work,
  );
  const verify = measure(
    `ofs verify (re-read every part of the ${BIG}-event dataset)`,
    ['verify', build.json.run?.manifest_key ?? '-', '--dir', bigDir],
    work,
  );

  const rows = (m: Measured, extra: string) => `| ${m.label} | ${m.wallS.toFixed(1)} s | ${m.rssMb.toFixed(0)} MB | ${m.code} | ${extra} |`;
  const demoOk = demo.code === 0 && demo.wallS < 60;
  const buildRate = BIG / build.wallS;
  const text = `# Corridor end to end through the \`ofs\` CLI

Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench corridor\` on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}.
Embedded default: fs object store, PGlite ledger and label store, segment-file EB/Archive sources.
Every figure is one CLI process (startup, PGlite open, work, close): wall time and peak RSS from \`/usr/bin/time\`.
Other work (other packages building and testing) ran on the machine at the same time (1-minute load average ${load} at the start),
so absolute times are pessimistic.

| step | wall | peak RSS | exit | notes |
| --- | --- | --- | --- | --- |
${rows(demo, `${demo.json.manifest?.rows_total ?? '?'} rows, ${demo.json.manifest?.parts ?? '?'} parts; includes generating the data and ${demo.json.generated?.counts?.label_assertions ?? '?'} labels`)}
${rows(big, `${big.json.manifest?.rows_total ?? '?'} rows; generation of ${BIG} events and ${big.json.generated?.counts?.label_assertions ?? '?'} labels into PGlite dominates`)}
${rows(build, `${build.json.run?.state ?? '?'} ${build.json.run?.outcome ?? ''}; ${Math.round(buildRate).toLocaleString('en-US')} events/s end to end`)}
${rows(verify, `${verify.json.rows_read ?? '?'} rows re-read, digests ${verify.json.ok ? 'match' : 'DIFFER'}`)}

| target | result | met |
| --- | --- | --- |
| \`ofs demo\` well under a minute on 2 cores | ${demo.wallS.toFixed(1)} s | ${demoOk ? 'yes' : 'no'} |
| 1M-event build end to end through the CLI: reported (no target) | ${build.wallS.toFixed(1)} s, ${build.rssMb.toFixed(0)} MB peak | – |
`;
  writeFileSync(join(root, 'bench/results/corridor.md'), text);
  console.log(text);
} finally {
  rmSync(work, { recursive: true, force: true });
}
