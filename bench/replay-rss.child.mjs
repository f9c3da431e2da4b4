// Child of bench/replay.bench.ts, plain JavaScript against the built packages (no TypeScript
// loader, so the peak RSS is Node's plus the replay's): drains resolveReplay once over N records
// in a fresh process and reports records/s and the peak RSS (VmHWM). Usage:
//   node bench/replay-rss.child.mjs generated <n>
//   node bench/replay-rss.child.mjs files <n> <ebRoot> <archiveRoot>
//   node bench/replay-rss.child.mjs idle 0          (the process without any replay)
import { readFileSync } from 'node:fs';
import { createSegmentFileSource } from '@ofs/fs';
import { basisHash, sha256Hex } from '@ofs/ids';
import { resolveReplay } from '@ofs/replay';

const TOPIC = 'fp.bus.traffic.fraud.v1';
const HASHES = Array.from({ length: 1024 }, (_, i) => sha256Hex(`bench-${i}`));
// Same events as bench/replay-fixture.ts (makeRecord with realHash = false).
const makeRecord = (partition, offset) => ({
  topic: TOPIC,
  partition,
  offset_kind: 'kafka_offset',
  offset: String(offset),
  event_id: `evt_${partition}_${offset}`,
  ts_utc: '2026-02-09T12:34:56.789Z',
  payload: {
    amount: `${(offset % 9973) + 1}.${String(offset % 100).padStart(2, '0')}`,
    card_id: `card_${offset % 50_000}`,
    channel: offset % 3 === 0 ? 'ecom' : 'pos',
    country: 'US',
    event_type: 'card_txn',
    merchant_id: `m_${offset % 7_000}`,
  },
  payload_hash: HASHES[offset & 1023],
});
const generatedSource = (lo, hi) => ({
  async coverage(slice) {
    const s = Math.max(lo, Number(slice.start_offset));
    const e = Math.min(hi, Number(slice.end_offset));
    return s <= e ? [{ start: String(s), end: String(e) }] : [];
  },
  async *readBatches(slice, range) {
    const e = Math.min(hi, Number(range.end));
    for (let o = Math.max(lo, Number(range.start)); o <= e; o += 1024) {
      const batch = [];
      for (let x = o; x <= Math.min(e, o + 1023); x++) batch.push(makeRecord(slice.partition, x));
      yield batch;
    }
  },
  async *read(slice, range) {
    for await (const batch of this.readBatches(slice, range)) yield* batch;
  },
});
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

const [mode, nText, ebRoot, archiveRoot] = process.argv.slice(2);
const n = Number(nText);
const replay_basis = [
  { topic: TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: String(Math.max(0, n - 1)) },
];
const plan = {
  plan_id: `plan_${sha256Hex(`rss-${n}`).slice(0, 32)}`,
  platform_run_id: 'platform_20260210T120000Z',
  basis_hash: basisHash(replay_basis),
  training_posture: 'TRAINING',
  replay_basis,
};
const started = performance.now();
let records = 0;
let status = 'NONE';
if (mode !== 'idle') {
  const eb = mode === 'files' ? createSegmentFileSource({ root: ebRoot }) : generatedSource(Math.floor(n * 0.4), n - 1);
  const archive = mode === 'files' ? createSegmentFileSource({ root: archiveRoot }) : generatedSource(0, Math.floor(n * 0.6) - 1);
  const replay = resolveReplay(plan, { eb, archive, policy: { anomaly_list_limit: 1000 }, store });
  for await (const _ of replay.records) records++;
  status = (await replay.receipt).status;
}
const seconds = (performance.now() - started) / 1000;
// Peak RSS of this address space: VmHWM. (getrusage's maxRSS is carried across execve on Linux,
// so in a spawned child it can report the parent's peak.)
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const maxRssMb = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ mode, records, seconds, maxRssMb, status })}\n`);
