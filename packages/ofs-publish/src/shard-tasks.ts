// Shards built in other processes (issue 17 item 3): the fan-out's first pass as JSON specs, one
// shard's rows from its spec, and the merge of the shards' results into the one-thread draft.
import {
  type AbortOptions,
  type BuildPlan,
  type LabelBatchResolver,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  type ReplayRecord,
  type ReplaySlice,
  type ResolvedFeatureProfile,
  throwIfAborted,
} from '@ofs/contracts';
import { agreeOnDuplicates, basisPartitions, mergePasses } from './reconstruct-sharded.js';
import {
  assembleDraft,
  buildRows,
  type DraftResult,
  prepareReconstruction,
  type ReconstructOptions,
  type RowsPass,
} from './reconstruct.js';

/**
 * What the fan-out agreed for one shard (one topic partition of the basis), as JSON: the slices
 * it covers (indexes into the plan's replay basis), the later occurrences of event ids it leaves
 * out (offset, event id) and, per slice, what the first pass read there.
 */
export interface ShardSpec {
  /** The partition's rank in the basis (the shard number). */
  readonly shard: number;
  readonly topic: string;
  readonly partition: number;
  readonly slice_indexes: number[];
  /** `[offset, event_id]` of the records the first pass agreed are duplicates, ascending by offset. */
  readonly dropped: [string, string][];
  /** Per slice of `slice_indexes`: records the first pass read and duplicates it dropped. */
  readonly first_read: { records: number; duplicates: number }[];
}

/** The slices of the plan's replay basis a spec covers. */
export function shardSlices(plan: BuildPlan, spec: ShardSpec): ReplaySlice[] {
  return spec.slice_indexes.map((i) => {
    const slice = plan.replay_basis[i];
    if (slice === undefined || slice.topic !== spec.topic || slice.partition !== spec.partition) {
      throw new OfsError('INTERNAL_ERROR', {
        message: `shard ${spec.shard} names slice ${i}, which is not of ${spec.topic}/${spec.partition} in this plan`,
      });
    }
    return slice;
  });
}

/**
 * The fan-out's first pass: reads the plan's whole replay stream once in basis order, agrees on
 * duplicates across partitions with the one-thread rule (`REPLAY_EVENT_ID_CONFLICT` for a repeated
 * id with another payload), and returns one spec per topic partition, by rank.
 */
export async function planShards(
  plan: BuildPlan,
  stream: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  options: AbortOptions & { expectedEvents?: number } = {},
): Promise<ShardSpec[]> {
  const partitions = basisPartitions(plan.replay_basis);
  const dropped = new Map<number, Map<string, string>>();
  const { counts } = await agreeOnDuplicates(plan, stream, options, partitions, dropped);
  return partitions.map((p) => ({
    shard: p.rank,
    topic: p.topic,
    partition: p.partition,
    slice_indexes: [...p.sliceIndexes],
    dropped: [...(dropped.get(p.rank) ?? new Map<string, string>())],
    first_read: p.sliceIndexes.map((i) => ({ ...(counts[i] as { records: number; duplicates: number }) })),
  }));
}

/** What `buildShard` needs: the shard's own label resolver, the shared store, and the plan's profile and policy. */
export interface ShardBuildDeps {
  readonly labels: LabelBatchResolver;
  readonly store: ObjectStore;
  readonly profile: ResolvedFeatureProfile;
  readonly policy: OfsPolicy;
}

/**
 * Builds one shard with the one-thread row loop: the partition's records (`records`: what
 * `replaySlices(plan, shardSlices(plan, spec))` yields) minus the agreed duplicates, features,
 * rows with labels, partition-local parts written to the store (content-addressed, so a shard
 * built twice writes the same objects). Returns the row pass (JSON) for the merge.
 */
export async function buildShard(
  plan: BuildPlan,
  spec: ShardSpec,
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  deps: ShardBuildDeps,
  options: AbortOptions = {},
): Promise<RowsPass> {
  throwIfAborted(options.signal);
  shardSlices(plan, spec);
  const prep = await prepareReconstruction(plan, deps);
  const dropped = new Map(spec.dropped);
  async function* kept(): AsyncGenerator<ReplayRecord> {
    for await (const r of records) {
      if (dropped.size > 0 && dropped.get(r.offset) === r.event_id) continue;
      yield r;
    }
  }
  return buildRows(plan, kept(), { labels: deps.labels, store: deps.store }, options.signal ? { signal: options.signal } : {}, prep);
}

/** What `mergeShards` needs: the store, the plan's profile and policy, and the run's label receipt. */
export interface ShardMergeDeps<LabelReceipt = unknown> extends Omit<ShardBuildDeps, 'labels'> {
  /** Writes and returns the run's label receipt from the shards' partials (e.g. `mergeLabelPartials` of `@ofs/labels`). */
  finishLabels(options?: AbortOptions): Promise<LabelReceipt>;
}

/**
 * Merges the shards' row passes (one per spec, by shard number) into the draft the one-thread
 * build writes for the same plan: parts in basis order, counts per slice, rows digests combined in
 * basis order (recipes v3), label delays and statistics merged, then the draft receipt.
 * `REPLAY_SOURCE_UNSTABLE` when a shard read other records than the first pass.
 */
export async function mergeShards<LabelReceipt>(
  plan: BuildPlan,
  specs: readonly ShardSpec[],
  passes: readonly RowsPass[],
  deps: ShardMergeDeps<LabelReceipt>,
  options: ReconstructOptions = {},
): Promise<DraftResult<LabelReceipt>> {
  throwIfAborted(options.signal);
  const partitions = basisPartitions(plan.replay_basis);
  if (specs.length !== partitions.length || passes.length !== partitions.length) {
    throw new OfsError('INTERNAL_ERROR', {
      message: `a merge needs one spec and one pass per topic partition (${partitions.length}); got ${specs.length} and ${passes.length}`,
    });
  }
  const agreed = plan.replay_basis.map(() => ({ records: 0, duplicates: 0 }));
  const results = new Map<number, RowsPass>();
  for (const p of partitions) {
    const spec = specs[p.rank] as ShardSpec;
    if (spec.shard !== p.rank || spec.topic !== p.topic || spec.partition !== p.partition) {
      throw new OfsError('INTERNAL_ERROR', { message: `shard ${p.rank} is not ${p.topic}/${p.partition} of this plan` });
    }
    spec.slice_indexes.forEach((i, k) => {
      agreed[i] = { ...(spec.first_read[k] as { records: number; duplicates: number }) };
    });
    results.set(p.rank, passes[p.rank] as RowsPass);
  }
  const prep = await prepareReconstruction(plan, deps);
  const merged = mergePasses(plan, prep, partitions, results, agreed);
  // The draft's one label step is finishing the receipt: a merge resolves no labels.
  const labels: LabelBatchResolver<LabelReceipt> = {
    resolveBatch: () => Promise.reject(new OfsError('INTERNAL_ERROR', { message: 'a merge resolves no labels' })),
    finish: (finishOptions) => deps.finishLabels(finishOptions),
  };
  return assembleDraft(plan, prep, merged, { labels, store: deps.store, profile: deps.profile, policy: deps.policy }, options);
}
