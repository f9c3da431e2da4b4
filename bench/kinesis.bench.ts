// resolveReplay over N records (default 1,000,000) of one partition read from Kinesis
// (@ofs/source-kinesis against kinesalite 3.3.3 started here) against the same events from segment
// files, measured in the same run: records/s (wall and per CPU-second of the replaying process)
// and peak RSS, each in a fresh child process. Writes bench/results/kinesis.md.
// Run with `pnpm turbo run build --filter @ofs/source-kinesis --filter @ofs/replay --filter @ofs/fs`
// then `pnpm bench kinesis` (or `node --import tsx bench/kinesis.bench.ts [N]`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplayRecord } from '@ofs/contracts';
import { writeSegmentFiles } from '@ofs/fs';
import { envelopeHash } from '@ofs/ids';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const N = Number(process.argv[2] ?? 1_000_000);
const BATCHES = [1_000, 10_000]; // the source's default page, and kinesalite's GetRecords maximum
const TOPIC = 'fp.bus.traffic.fraud.v1';
const loadAtStart = loadavg()[0]!;

function event(offset: number) {
  return {
    event_id: `evt_0_${offset}`,
    ts_utc: '2026-02-09T12:34:56.789Z',
    payload: {
      amount: `${(offset % 9973) + 1}.${String(offset % 100).padStart(2, '0')}`,
      card_id: `card_${offset % 50_000}`,
      channel: offset % 3 === 0 ? 'ecom' : 'pos',
      country: 'US',
      event_type: 'card_txn',
      merchant_id: `m_${offset % 7_000}`,
    },
  };
}

function* fileRecords(): Generator<ReplayRecord> {
  for (let o = 0; o < N; o++) {
    const e = event(o);
    yield { topic: TOPIC, partition: 0, offset_kind: 'kafka_offset', offset: String(o), ...e, payload_hash: envelopeHash(e) };
  }
}

interface ChildResult {
  mode: string;
  records: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  status: string;
}
// Asynchronous: kinesalite runs in this process and must keep serving while a child reads.
const child = (args: string[]): Promise<ChildResult> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--no-warnings', 'bench/kinesis-rss.child.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child ${args[0]} failed (${code}): ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult);
    });
  });

// Segment files of the same events.
const dir = mkdtempSync(join(tmpdir(), 'ofs-kinesis-bench-'));
await writeSegmentFiles({ root: dir, records: fileRecords() });

// kinesalite in this process, one shard, the same events as JSON envelopes.
const require = createRequire(join(import.meta.dirname, '..', 'packages', 'ofs-source-kinesis', 'package.json'));
const kinesalite = require('kinesalite') as (o: object) => import('node:http').Server;
const { KinesisClient, CreateStreamCommand, PutRecordsCommand } = require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const server = kinesalite({ createStreamMs: 0 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  requestHandler: new NodeHttpHandler(),
  maxAttempts: 1,
});
const stream = 'ofs-bench';
await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
await new Promise((resolve) => setTimeout(resolve, 200));
const seedStarted = performance.now();
const encoder = new TextEncoder();
let firstSeq = '';
let lastSeq = '';
for (let i = 0; i < N; i += 500) {
  const Records = [];
  for (let o = i; o < Math.min(N, i + 500); o++) Records.push({ PartitionKey: 'k', Data: encoder.encode(JSON.stringify(event(o))) });
  const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records }));
  if (out.FailedRecordCount) throw new Error(`kinesalite refused ${out.FailedRecordCount} records`);
  firstSeq ||= out.Records[0].SequenceNumber;
  lastSeq = out.Records.at(-1).SequenceNumber;
}
const seedSeconds = (performance.now() - seedStarted) / 1000;
console.log(`seeded ${fmt(N)} records into kinesalite in ${seedSeconds.toFixed(0)} s`);

const idle = await child(['idle']);
const files: ChildResult[] = [];
for (let i = 0; i < 3; i++) files.push(await child(['files', dir, '0', String(N - 1)]));
files.sort((a, b) => a.records / a.seconds - b.records / b.seconds);
const filesMedian = files[1]!;
console.log(`segment files: ${fmt(filesMedian.records / filesMedian.seconds)} /s, peak RSS ${filesMedian.maxRssMb.toFixed(0)} MB`);
const kinesisRuns: ChildResult[] = [];
for (const batch of BATCHES) {
  const run = await child(['kinesis', endpoint, stream, firstSeq, lastSeq, String(batch)]);
  console.log(`kinesis, batchSize ${fmt(batch)}: ${fmt(run.records / run.seconds)} /s, peak RSS ${run.maxRssMb.toFixed(0)} MB`);
  kinesisRuns.push(run);
}
const loadAtEnd = loadavg()[0]!;
client.destroy();
server.close();
rmSync(dir, { recursive: true, force: true });

const rate = (r: ChildResult) => r.records / r.seconds;
const cpuRate = (r: ChildResult) => r.records / r.cpuSeconds;
const md = `# Kinesis source benchmark (@ofs/source-kinesis)

Measured ${new Date().toISOString().slice(0, 10)} with \`node --import tsx bench/kinesis.bench.ts ${N}\` on ${cpus().length} cores, Node ${process.version}.
1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadAtEnd.toFixed(1)} at the end of the run (other helpers' builds and tests shared the machine).

Setup: ${fmt(N)} fraud-bus events (6-field payload) in one partition. Baseline: the same events as
segment files (\`@ofs/fs\`, \`kafka_offset\`). Kinesis: one shard of kinesalite 3.3.3 (npm,
in-memory) running in the bench's parent process, read by \`createKinesisSource\` in a fresh child
process with \`batchSize\` ${BATCHES.map(fmt).join(' and ')} (the source's default, and kinesalite's
\`GetRecords\` maximum); the SDK client uses
an HTTP/1.1 handler. Each figure is \`resolveReplay\` (training posture, EB only, receipt to an
in-memory store) drained once in a fresh child process: wall clock, per CPU-second of that child
(user + system; the server's CPU is not in it), and the child's peak RSS (VmHWM). Segment files:
median of 3 runs; Kinesis: 1 run (each takes minutes). Seeding kinesalite (PutRecords, 500 per
call) took ${seedSeconds.toFixed(0)} s (${fmt(N / seedSeconds)} records/s).

| measurement | wall clock | per CPU-second of the replaying process | peak RSS | replay status |
| --- | --- | --- | --- | --- |
| child process doing no replay (baseline for RSS) | – | – | ${idle.maxRssMb.toFixed(0)} MB | – |
| segment files (baseline) | ${fmt(rate(filesMedian))} records/s | ${fmt(cpuRate(filesMedian))} | ${filesMedian.maxRssMb.toFixed(0)} MB | ${filesMedian.status} |
${kinesisRuns
  .map(
    (k, i) =>
      `| Kinesis on kinesalite, batchSize ${fmt(BATCHES[i]!)} | ${fmt(rate(k))} records/s | ${fmt(cpuRate(k))} | ${k.maxRssMb.toFixed(0)} MB | ${k.status} |\n` +
      `| Kinesis (batchSize ${fmt(BATCHES[i]!)}) / segment files | ${(rate(k) / rate(filesMedian)).toFixed(2)}× | ${(cpuRate(k) / cpuRate(filesMedian)).toFixed(2)}× | ${(k.maxRssMb / filesMedian.maxRssMb).toFixed(2)}× | – |`,
  )
  .join('\n')}

Records replayed: ${fmt(filesMedian.records)} (files), ${kinesisRuns.map((k) => fmt(k.records)).join(' / ')} (Kinesis).

Notes:
- The wall-clock Kinesis figure is bounded by kinesalite (single-threaded JavaScript over an
  in-memory LevelDB, on the same 2 cores), not by the adapter: the per-CPU-second column is the
  adapter's own cost (JSON decode of each record, \`envelopeHash\`, SDK parsing of the base64
  \`GetRecords\` answer). Real Kinesis serves at most 2 MB/s or 5 \`GetRecords\` calls/s per shard.
- The source holds one \`GetRecords\` page at a time (\`batchSize\` records, plus the SDK's JSON
  and base64 copies of it); the peak RSS over the idle child is that page plus what V8 lets the
  heap grow to before collecting it, so it follows \`batchSize\`.
`;
writeFileSync(join(import.meta.dirname, 'results', 'kinesis.md'), md);
console.log(md);
