// Child of bench/publish.bench.ts, plain JavaScript against the built packages, so its peak RSS
// is Node's plus the corridor's. Runs one build in a fresh process and prints a JSON line.
//   node bench/publish-pipeline.child.mjs pipeline <n> <ebRoot> <archiveRoot> <outRoot>
//     segment files → resolveReplay → labels → reconstruct (demo profile) → publish (fs store)
//   node bench/publish-pipeline.child.mjs replay <n> <ebRoot> <archiveRoot>
//     baseline: drain resolveReplay over the same segment files, nothing else
//   node bench/publish-pipeline.child.mjs pipeline <n> <ebRoot> <archiveRoot> <outRoot> <threads>
//     the same with reconstruction on <threads> worker threads (reconstructSharded) when > 1
//   node bench/publish-pipeline.child.mjs stage <n> <outRoot>
//     reconstruct + publish over a replay of generated in-memory sources (no file parsing)
import { createFsObjectStore, createSegmentFileSource } from '@ofs/fs';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import { publish, reconstruct, reconstructSharded, resolvedDemoFeatureProfile } from '@ofs/publish';
import { replaySlices, resolveReplay } from '@ofs/replay';
import { benchPlan, benchPolicy, generatedSource, labelAssertions, PARTITIONS } from './publish-fixture.mjs';

const [mode, nText, a, b, c, threadsText, readText] = process.argv.slice(2);
const threads = Number(threadsText ?? 1);
const n = Number(nText);
const perPartition = Math.ceil(n / PARTITIONS);
const policy = benchPolicy();
const profile = resolvedDemoFeatureProfile();
const plan = benchPlan(perPartition, policy, profile);
const cpu0 = process.cpuUsage();
let phase = 'setup';
const peaks = {};
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss() / 1048576;
  peaks[phase] = Math.max(peaks[phase] ?? 0, Math.round(rss));
}, 100);
const t0 = performance.now();
const memoryStore = () => {
  const objects = new Map();
  return {
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
};

let out;
if (mode === 'replay') {
  const replay = resolveReplay(plan, {
    eb: createSegmentFileSource({ root: a }),
    archive: createSegmentFileSource({ root: b }),
    policy,
    store: memoryStore(),
  });
  let records = 0;
  for await (const _ of replay.records) records++;
  out = { records, status: (await replay.receipt).status };
} else {
  const store = createFsObjectStore({ root: mode === 'pipeline' ? c : a });
  const eb = mode === 'pipeline' ? createSegmentFileSource({ root: a }) : generatedSource(Math.floor(perPartition * 0.4), perPartition - 1);
  const archive = mode === 'pipeline' ? createSegmentFileSource({ root: b }) : generatedSource(0, Math.floor(perPartition * 0.6) - 1);
  const labelStore = createMemoryLabelStore();
  const assertions = labelAssertions(perPartition);
  for (let i = 0; i < assertions.length; i += 10_000) await labelStore.append(assertions.slice(i, i + 10_000));
  phase = 'reconstruct';
  const tStart = performance.now();
  const cStart = process.cpuUsage();
  const replay = resolveReplay(plan, { eb, archive, policy, store });
  const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
  const deps = { labels, profile, store, policy };
  const draft =
    threads > 1
      ? await reconstructSharded(
          plan,
          {
            stream: replay.records,
            partition: (slices, options) => replaySlices(plan, slices, { eb, archive, policy }, options),
            // 'worker-read': each worker re-reads its partition's segment files itself.
            ...(readText === 'worker-read'
              ? {
                  workerReader: {
                    module: import.meta.resolve('@ofs/replay'),
                    exportName: 'readReplaySlices',
                    options: {
                      eb: { module: import.meta.resolve('@ofs/fs'), exportName: 'createSegmentFileSource', options: { root: a } },
                      archive: { module: import.meta.resolve('@ofs/fs'), exportName: 'createSegmentFileSource', options: { root: b } },
                      policy,
                    },
                  },
                }
              : {}),
          },
          deps,
          { expectedEvents: n, threads },
        )
      : await reconstruct(plan, replay.records, deps, { expectedEvents: n });
  const tDraft = performance.now();
  phase = 'publish';
  const replayReceipt = await replay.receipt;
  const published = await publish(plan, { replayReceipt, labelReceipt: draft.labelReceipt, draft: draft.draft }, { store });
  const tEnd = performance.now();
  const cBuild = process.cpuUsage(cStart);
  out = {
    records: draft.draft.totals.records,
    rows: draft.draft.rows_total,
    bytes: draft.draft.bytes_total,
    parts: draft.draft.parts.length,
    immature_excluded: draft.draft.totals.immature_excluded,
    rows_digest: draft.draft.rows_digest,
    outcome: published.outcome,
    status_class: published.manifest.status_class,
    replay_status: replayReceipt.status,
    label_status: published.manifest.label_status,
    reconstruct_seconds: (tDraft - tStart) / 1000,
    publish_seconds: (tEnd - tDraft) / 1000,
    build_seconds: (tEnd - tStart) / 1000,
    build_cpu_seconds: (cBuild.user + cBuild.system) / 1e6,
  };
}
clearInterval(sampler);
out.rss_peaks_mb = peaks;
const cpu = process.cpuUsage(cpu0);
out.seconds = (performance.now() - t0) / 1000;
out.cpu_seconds = (cpu.user + cpu.system) / 1e6;
out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
const mem = process.memoryUsage();
out.end_heap_total_mb = mem.heapTotal / 1048576;
out.end_external_mb = mem.external / 1048576;
process.stdout.write(`${JSON.stringify({ mode, n, threads, read: readText ?? 'main', ...out })}\n`);
