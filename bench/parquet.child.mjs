// Child of bench/parquet.bench.mjs, plain JavaScript against the built packages: one build of the
// generated demo events (reconstruct + publish to a real fs store, typed profile fraud-demo@v2)
// with the given part format, then reads every part back as readDataset does (rows as objects,
// sha256 and rows digest checked). Prints one JSON line.
//   node bench/parquet.child.mjs <jsonl|parquet> <n> <outRoot>
import { createFsObjectStore } from '@ofs/fs';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import { createSha256, sha256Hex } from '@ofs/ids';
import { partFormatOf, partLines, publish, reconstruct, resolvedDemoFeatureProfileV2 } from '@ofs/publish';
import { resolveReplay } from '@ofs/replay';
import { benchPlan, benchPolicy, generatedSource, labelAssertions, PARTITIONS } from './publish-fixture.mjs';

const [format, nText, root] = process.argv.slice(2);
const n = Number(nText);
const perPartition = Math.ceil(n / PARTITIONS);
// The same policy but for the part format (its revision differs, so the plan ids do too).
const policy = {
  ...benchPolicy(),
  revision: `bench-${format}`,
  part_format: format,
  ...(format === 'parquet' ? { part_compression: 'zstd' } : {}),
};
const profile = resolvedDemoFeatureProfileV2();
const plan = benchPlan(perPartition, policy, profile);
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 50);
const store = createFsObjectStore({ root });
const labelStore = createMemoryLabelStore();
const assertions = labelAssertions(perPartition);
for (let i = 0; i < assertions.length; i += 10_000) await labelStore.append(assertions.slice(i, i + 10_000));
const tStart = performance.now();
const cStart = process.cpuUsage();
const eb = generatedSource(Math.floor(perPartition * 0.4), perPartition - 1);
const archive = generatedSource(0, Math.floor(perPartition * 0.6) - 1);
const replay = resolveReplay(plan, { eb, archive, policy, store });
const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
const draft = await reconstruct(plan, replay.records, { labels, profile, store, policy }, { expectedEvents: n });
const published = await publish(
  plan,
  { replayReceipt: await replay.receipt, labelReceipt: draft.labelReceipt, draft: draft.draft },
  { store },
);
const buildSeconds = (performance.now() - tStart) / 1000;
const c = process.cpuUsage(cStart);
const buildCpu = (c.user + c.system) / 1e6;
const buildPeak = peak;
const rStart = performance.now();
const rc = process.cpuUsage();
// What readDataset does per part (size + sha256, decode, canonical rows digest), without its
// evidence-chain checks: the bench plan's ids are not derived like a resolved plan's.
const manifest = published.manifest;
const partFormat = partFormatOf(manifest);
const digest = createSha256();
let rows = 0;
for (const part of manifest.parts) {
  const bytes = await store.get(part.key);
  if (bytes.byteLength !== part.bytes || sha256Hex(bytes) !== part.sha256) throw new Error(`part ${part.key} differs`);
  const decoded = await partLines(bytes, partFormat, manifest.columns, part.key);
  digest.update(decoded.lines);
  if (decoded.rows) rows += decoded.rows.length;
  else {
    const text = new TextDecoder().decode(bytes);
    for (const line of text.split('\n'))
      if (line !== '') {
        JSON.parse(line);
        rows++;
      }
  }
}
if (digest.digestHex() !== manifest.rows_digest) throw new Error('rows digest differs');
const readSeconds = (performance.now() - rStart) / 1000;
const rcpu = process.cpuUsage(rc);
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({
    format,
    n,
    rows: draft.draft.rows_total,
    parts: draft.draft.parts.length,
    bytes: draft.draft.bytes_total,
    rows_digest: draft.draft.rows_digest,
    build_seconds: buildSeconds,
    build_cpu_seconds: buildCpu,
    build_peak_rss_mb: Math.round(buildPeak / 1048576),
    read_rows: rows,
    read_seconds: readSeconds,
    read_cpu_seconds: (rcpu.user + rcpu.system) / 1e6,
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
