import type { AbortOptions, BuildPlan, ObjectStore, ReplayRecord, ReplaySlice } from '@ofs/contracts';
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
