import {
  type AbortOptions,
  type BuildPlan,
  type ObjectStore,
  OfsError,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
} from '@ofs/contracts';
import { type ReplayDeps, resolveReplay } from './resolve-replay.js';

/** A store that takes every write and keeps nothing: the receipt of a partial replay is not evidence. */
const discardingStore: ObjectStore = {
  async get() {
    return undefined;
  },
  async putIfAbsent() {
    return { created: true };
  },
  // biome-ignore lint/correctness/useYield: nothing is ever kept
  async *list() {},
};

/**
 * Re-reads some slices of a plan's replay basis (e.g. one topic partition's, for a shard of a
 * sharded build): exactly the records `resolveReplay(plan)` yields for those slices, in the same
 * order, with the same checks (EB/Archive merge, hash comparison, training fail-fast), but no
 * receipt is written — the plan's one receipt comes from its whole replay.
 */
export function replaySlices(
  plan: BuildPlan,
  slices: readonly ReplaySlice[],
  deps: Omit<ReplayDeps, 'store'>,
  options: AbortOptions = {},
): AsyncIterable<ReplayRecord> {
  return resolveReplay({ ...plan, replay_basis: [...slices] }, { ...deps, store: discardingStore }, options).records;
}

/** A `ReplaySource` a worker thread can create by itself: it imports `module` and calls its export `exportName` with `options`. */
export interface ReplaySourceSpec {
  /** Absolute module URL (e.g. `import.meta.resolve('@ofs/fs')`). */
  readonly module: string;
  /** The factory's export name (e.g. `createSegmentFileSource`). */
  readonly exportName: string;
  /** The factory's options (structured-cloneable). */
  readonly options: unknown;
}

/** Options of `readReplaySlices`: the two sources as specs, and the replay policy. */
export interface ReplaySlicesSpec {
  readonly eb: ReplaySourceSpec;
  readonly archive: ReplaySourceSpec;
  readonly policy: ReplayDeps['policy'];
}

async function createFromSpec(spec: ReplaySourceSpec): Promise<ReplaySource> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const factory = mod[spec.exportName];
  if (typeof factory !== 'function') {
    throw new OfsError('INTERNAL_ERROR', { message: `${spec.module} exports no source factory ${spec.exportName}` });
  }
  return (await factory(spec.options)) as ReplaySource;
}

/**
 * `replaySlices` with its sources given as specs, so a worker thread of a sharded build can read
 * its partition itself (`@ofs/publish` `ShardedRecords.workerReader` with `exportName:
 * 'readReplaySlices'`): parsing happens in the worker and no record crosses threads.
 */
export async function* readReplaySlices(
  plan: BuildPlan,
  slices: readonly ReplaySlice[],
  spec: ReplaySlicesSpec,
  options: AbortOptions = {},
): AsyncGenerator<ReplayRecord> {
  const [eb, archive] = await Promise.all([createFromSpec(spec.eb), createFromSpec(spec.archive)]);
  yield* replaySlices(plan, slices, { eb, archive, policy: spec.policy }, options);
}
