// Child of bench/adapters.bench.ts, plain JavaScript against the built packages: drains
// resolveReplay once over one slice in a fresh process and reports records/s, CPU seconds and
// the peak RSS (VmHWM). Usage:
//   node bench/adapters.child.mjs idle
//   node bench/adapters.child.mjs segments <root> <first> <last>
//   node bench/adapters.child.mjs nats <url> <stream> <subject prefix> <first> <last>
//   node bench/adapters.child.mjs archive <store root> <platform run id> <first> <last>
import { readFileSync } from 'node:fs';
import { createArchiveSource } from '@ofs/archive-s3';
import { createFsObjectStore, createSegmentFileSource } from '@ofs/fs';
import { basisHash, sha256Hex } from '@ofs/ids';
import { resolveReplay } from '@ofs/replay';
import { connectNats, createNatsSource, defaultSubjectMapping } from '@ofs/source-nats';

const TOPIC = 'fp.bus.traffic.fraud.v1';
const empty = {
  async coverage() {
    return [];
  },
  async *read() {},
};
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
let eb = empty;
let archive = empty;
let kind = 'kafka_offset';
let first = '0';
let last = '0';
let close = async () => {};
if (mode === 'segments') {
  eb = createSegmentFileSource({ root: args[0] });
  [first, last] = [args[1], args[2]];
} else if (mode === 'nats') {
  const connection = await connectNats({ servers: args[0] });
  close = () => connection.close();
  eb = createNatsSource({ connection, stream: args[1], subjectFor: defaultSubjectMapping(args[2]), batchSize: 1000 });
  kind = 'jetstream_sequence';
  [first, last] = [args[3], args[4]];
} else if (mode === 'archive') {
  archive = createArchiveSource({ store: createFsObjectStore({ root: args[0] }), platformRunId: args[1], batchSize: 512, concurrency: 32 });
  [first, last] = [args[2], args[3]];
}
const replay_basis = [{ topic: TOPIC, partition: 0, offset_kind: kind, start_offset: first, end_offset: last }];
const plan = {
  plan_id: `plan_${sha256Hex(`adapters-${mode}-${last}`).slice(0, 32)}`,
  platform_run_id: 'platform_20260210T120000Z',
  basis_hash: basisHash(replay_basis),
  training_posture: 'TRAINING',
  replay_basis,
};
const started = performance.now();
const cpu = process.cpuUsage();
let records = 0;
let status = 'NONE';
if (mode !== 'idle') {
  const replay = resolveReplay(plan, { eb, archive, policy: { anomaly_list_limit: 1000 }, store });
  for await (const _ of replay.records) records++;
  status = (await replay.receipt).status;
}
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
await close();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const maxRssMb = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ mode, records, seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMb, status })}\n`);
