// Test helper: the real replay and label stages composed with reconstruct + publish, as the
// runner does (not exported from the package; the stages meet only in tests and the runner).
import type { BuildPlan, LabelAssertion, ObjectStore, OfsPolicy, ReplayRecord, ResolvedFeatureProfile } from '@ofs/contracts';
import { createLabelResolver, createMemoryLabelStore, type LabelResolutionPartial, mergeLabelPartials } from '@ofs/labels';
import { createMemoryReplaySource, replaySlices, resolveReplay } from '@ofs/replay';
import { publish, type PublishDeps, type PublishResult } from './publish.js';
import { type DraftResult, reconstruct } from './reconstruct.js';
import { reconstructSharded } from './reconstruct-sharded.js';
import { buildShard, mergeShards, planShards, shardSlices } from './shard-tasks.js';

/** Inputs of one build. */
export interface BuildInputs {
  plan: BuildPlan;
  policy: OfsPolicy;
  profile: ResolvedFeatureProfile;
  /** Records held by the EB source. */
  eb: ReplayRecord[];
  /** Records held by the Archive source. */
  archive?: ReplayRecord[];
  assertions?: LabelAssertion[];
  store: ObjectStore;
  /** Build on this many worker threads (`reconstructSharded`); absent: the one-thread `reconstruct`. */
  threads?: number;
  /** With `threads`: the workers read their partitions themselves (`ShardedRecords.workerReader`, sources rebuilt from the built `@ofs/replay`). */
  workerRead?: boolean;
  /**
   * Build as shard tasks would in other processes (`planShards`, `buildShard` per shard with its own
   * label resolver, results through JSON, `mergeShards`), shards in this order of shard numbers.
   */
  shardOrder?: (shards: number) => number[];
}

/** Replay → labels → reconstruct → publish, with the real stages. */
export async function buildAndPublish(
  inputs: BuildInputs,
  publishDeps: Omit<PublishDeps, 'store'> = {},
): Promise<{ draft: DraftResult; published: PublishResult }> {
  const { plan, policy, store } = inputs;
  const labelStore = createMemoryLabelStore();
  if (inputs.assertions?.length) await labelStore.append(inputs.assertions);
  const sources = { eb: createMemoryReplaySource(inputs.eb), archive: createMemoryReplaySource(inputs.archive ?? []), policy };
  const replay = resolveReplay(plan, { ...sources, store });
  const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
  const deps = { labels, profile: inputs.profile, store, policy };
  const draft = inputs.shardOrder
    ? await buildAsShardTasks(inputs, replay.records, sources, labelStore, inputs.shardOrder)
    : inputs.threads === undefined
      ? await reconstruct(plan, replay.records, deps)
      : await reconstructSharded(
          plan,
          {
            stream: replay.records,
            partition: (slices, options) => replaySlices(plan, slices, sources, options),
            ...(inputs.workerRead ? { workerReader: memoryWorkerReader(inputs.eb, inputs.archive ?? [], policy) } : {}),
          },
          deps,
          { threads: inputs.threads, batchRecords: 7, batchesInFlight: 2 },
        );
  const replayReceipt = await replay.receipt;
  const published = await publish(
    plan,
    { replayReceipt, labelReceipt: draft.labelReceipt as never, draft: draft.draft },
    { store, ...publishDeps },
  );
  return { draft, published };
}

/** The shard-task path of `buildAndPublish`: every shard as if in another process (JSON in between). */
async function buildAsShardTasks(
  inputs: BuildInputs,
  stream: AsyncIterable<ReplayRecord>,
  sources: Parameters<typeof replaySlices>[2],
  labelStore: ReturnType<typeof createMemoryLabelStore>,
  order: (shards: number) => number[],
): Promise<DraftResult> {
  const { plan, policy, store, profile } = inputs;
  const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const specs = json(await planShards(plan, stream));
  const passes = new Array(specs.length);
  const partials: LabelResolutionPartial[] = new Array(specs.length);
  for (const shard of order(specs.length)) {
    const spec = specs[shard]!;
    const labels = createLabelResolver(plan, { store: labelStore, policy, artifacts: store });
    const records = replaySlices(plan, shardSlices(plan, spec), sources, {});
    passes[shard] = json(await buildShard(plan, spec, records, { labels, store, profile, policy }));
    partials[shard] = json(await labels.partial());
  }
  const finishLabels = () => mergeLabelPartials(plan, { store: labelStore, policy, artifacts: store }, partials);
  return mergeShards(plan, specs, passes, { finishLabels, store, profile, policy });
}

/** A worker-side reader over memory sources holding these records (the built `@ofs/replay`, loadable by a worker thread). */
function memoryWorkerReader(eb: ReplayRecord[], archive: ReplayRecord[], policy: OfsPolicy) {
  const module = new URL('../../ofs-replay/dist/index.js', import.meta.url).href;
  const source = (records: ReplayRecord[]) => ({ module, exportName: 'createMemoryReplaySource', options: records });
  return { module, exportName: 'readReplaySlices', options: { eb: source(eb), archive: source(archive), policy } };
}
