// A publisher process for the crash test: replay → labels → reconstruct → publish against a
// filesystem store, using the built packages. With OFS_KILL_AT_WRITE=k it SIGKILLs itself just
// before its k-th store write (0-based), i.e. at a write boundary. Prints a JSON result.
import { readFileSync } from 'node:fs';
import { createFsObjectStore } from '@ofs/fs';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import { publish, reconstruct } from '@ofs/publish';
import { createMemoryReplaySource, resolveReplay } from '@ofs/replay';

const [inputFile, root] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const killAt = process.env.OFS_KILL_AT_WRITE === undefined ? -1 : Number(process.env.OFS_KILL_AT_WRITE);
const fsStore = createFsObjectStore({ root });
let writes = 0;
const store = {
  get: (key, o) => fsStore.get(key, o),
  list: (prefix, o) => fsStore.list(prefix, o),
  async putIfAbsent(key, bytes, o) {
    if (writes === killAt) process.kill(process.pid, 'SIGKILL');
    const result = await fsStore.putIfAbsent(key, bytes, o);
    writes++;
    return result;
  },
};

const { plan, policy, profile, records, assertions } = input;
const labelStore = createMemoryLabelStore();
if (assertions.length > 0) await labelStore.append(assertions);
const replay = resolveReplay(plan, { eb: createMemoryReplaySource(records), archive: createMemoryReplaySource([]), policy, store });
const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
const draft = await reconstruct(plan, replay.records, { labels, profile, store, policy });
const replayReceipt = await replay.receipt;
const result = await publish(plan, { replayReceipt, labelReceipt: draft.labelReceipt, draft: draft.draft }, { store });
process.stdout.write(`${JSON.stringify({ outcome: result.outcome, manifestKey: result.manifestKey, writes })}\n`);
