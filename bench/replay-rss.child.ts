// Child of bench/replay.bench.ts: drains resolveReplay once over N records in a fresh process and
// reports records/s and the peak RSS (process.resourceUsage().maxRSS). Usage:
//   node --import tsx bench/replay-rss.child.ts generated <n>
//   node --import tsx bench/replay-rss.child.ts files <n> <ebRoot> <archiveRoot>
import { createSegmentFileSource } from '@ofs/fs';
import { resolveReplay } from '@ofs/replay';
import { benchPlan, generatedSource, memoryStore } from './replay-fixture.ts';

const [mode, nText, ebRoot, archiveRoot] = process.argv.slice(2);
const n = Number(nText);
const overlapLo = Math.floor(n * 0.4);
const overlapHi = Math.floor(n * 0.6) - 1;
const eb = mode === 'files' ? createSegmentFileSource({ root: ebRoot! }) : generatedSource(overlapLo, n - 1);
const archive = mode === 'files' ? createSegmentFileSource({ root: archiveRoot! }) : generatedSource(0, overlapHi);
const started = performance.now();
const replay = resolveReplay(benchPlan(n), { eb, archive, policy: { anomaly_list_limit: 1000 }, store: memoryStore() });
let records = 0;
for await (const _ of replay.records) records++;
const receipt = await replay.receipt;
const seconds = (performance.now() - started) / 1000;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `${JSON.stringify({ mode, records, seconds, maxRssMb, status: receipt.status, evidence: receipt.evidence_digest })}\n`,
);
