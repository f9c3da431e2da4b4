// Child of bench/kinesis.bench.ts, plain JavaScript against the built packages (imported by path,
// so the root needs no dependency on the AWS SDK): drains resolveReplay once over one partition
// in a fresh process and reports records, wall seconds, CPU seconds and the peak RSS (VmHWM).
// Usage:
//   node bench/kinesis-rss.child.mjs idle
//   node bench/kinesis-rss.child.mjs files <root> <first> <last>
//   node bench/kinesis-rss.child.mjs kinesis <endpoint> <stream> <first> <last> <batchSize>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const dist = (pkg) => import(pathToFileURL(join(root, 'packages', pkg, 'dist', 'index.js')).href);
const TOPIC = 'fp.bus.traffic.fraud.v1';
const empty = { coverage: async () => [], async *read() {} };
const objects = new Map();
const store = {
  async get(key) {
    return objects.get(key);
  },
  async putIfAbsent(key, bytes) {
    if (objects.has(key)) return { created: false, existing: objects.get(key) };
    objects.set(key, bytes);
    return { created: true };
  },
  async *list() {},
};

const [mode, ...args] = process.argv.slice(2);
const { basisHash, sha256Hex } = await dist('ofs-ids');
const { resolveReplay } = await dist('ofs-replay');
let eb;
let kind;
let first;
let last;
let client;
if (mode === 'files') {
  const { createSegmentFileSource } = await dist('ofs-fs');
  [, first, last] = args;
  eb = createSegmentFileSource({ root: args[0] });
  kind = 'kafka_offset';
} else if (mode === 'kinesis') {
  const require = createRequire(join(root, 'packages', 'ofs-source-kinesis', 'package.json'));
  const { KinesisClient } = require('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = require('@smithy/node-http-handler');
  const { createKinesisSource } = await dist('ofs-source-kinesis');
  const [endpoint, stream, f, l, batchSize] = args;
  [first, last] = [f, l];
  client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
  eb = createKinesisSource({ client, stream, topic: TOPIC, batchSize: Number(batchSize) });
  kind = 'kinesis_sequence';
}
const started = performance.now();
const cpu = process.cpuUsage();
let records = 0;
let status = 'NONE';
if (mode !== 'idle') {
  const replay_basis = [{ topic: TOPIC, partition: 0, offset_kind: kind, start_offset: first, end_offset: last }];
  const plan = {
    plan_id: `plan_${sha256Hex(`kinesis-bench-${mode}`).slice(0, 32)}`,
    platform_run_id: 'platform_20260210T120000Z',
    basis_hash: basisHash(replay_basis),
    training_posture: 'TRAINING',
    replay_basis,
  };
  const replay = resolveReplay(plan, { eb, archive: empty, policy: { anomaly_list_limit: 1000 }, store });
  for await (const _ of replay.records) records++;
  status = (await replay.receipt).status;
}
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
client?.destroy();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const maxRssMb = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ mode, records, seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMb, status })}\n`);
