import { type AbortOptions, type BuildPlan, type LabelReceipt, OfsError, RESOLVED_DIGEST_RECIPE_V2, throwIfAborted } from '@ofs/contracts';
import { PartitionDigests, writeOnceJson } from '@ofs/ids';
import { buildLabelReceipt, labelReceiptKey } from './receipt.js';
import {
  assertReadyForTraining,
  type LabelResolutionPartial,
  type LabelResolverDeps,
  labelResolutionSettings,
  labelStateMarker,
} from './resolver.js';
import { TypeTally } from './tally.js';

/**
 * The run's label receipt from its shards' partials (`LabelResolver.partial`), exactly the
 * receipt one resolver fed every subject would write: counts and tallies added, the partitions'
 * digests combined in basis order (`ofs.labels.resolved_digest.v2`). The label store's state
 * marker is read now; a partial that read another one was resolved against other labels and is
 * refused with `SHARD_PIN_MISMATCH` (details: `shards`, the indexes of the refused partials).
 * Writes the receipt write-once; a TRAINING plan whose receipt is not ready then fails with
 * `COVERAGE_POLICY_VIOLATION`, as `finish` does.
 */
export async function mergeLabelPartials(
  plan: BuildPlan,
  deps: LabelResolverDeps,
  partials: readonly LabelResolutionPartial[],
  options?: AbortOptions,
): Promise<LabelReceipt> {
  throwIfAborted(options?.signal);
  const { cutoff, maturityCutoff, coverage, types } = labelResolutionSettings(plan, deps.policy);
  const marker = await labelStateMarker(deps.store, plan, cutoff, options);
  const stale = partials.flatMap((p, i) => (p.store_state_marker === marker ? [] : [i]));
  if (stale.length > 0) {
    throw new OfsError('SHARD_PIN_MISMATCH', {
      message: `${stale.length} shard(s) resolved labels against label store state ${partials[stale[0]!]!.store_state_marker}; the store is now at ${marker}`,
      details: { pin: 'label_state_marker', shards: stale, expected: marker },
    });
  }
  const rank = new Map<string, number>();
  for (const s of plan.replay_basis) {
    const key = `${s.topic}/${s.partition}`;
    if (!rank.has(key)) rank.set(key, rank.size);
  }
  const digests = new PartitionDigests((topic, partition) => rank.get(`${topic}/${partition}`) ?? -1);
  const tallies = types.map(() => new TypeTally());
  let subjects = 0;
  let mature = 0;
  for (const p of partials) {
    if (p.recipe !== RESOLVED_DIGEST_RECIPE_V2 || p.by_type.length !== types.length) {
      throw new OfsError('INTERNAL_ERROR', { message: 'a label partial of another recipe or label types cannot be merged' });
    }
    subjects += p.subjects;
    mature += p.mature;
    for (const [t, counts] of p.by_type.entries()) tallies[t]!.addCounts(counts);
    for (const d of p.partitions) digests.set(d.topic, d.partition, d.digest);
  }
  const receipt = buildLabelReceipt({
    plan,
    policy: deps.policy,
    coverage,
    cutoff,
    maturityCutoff,
    storeStateMarker: marker,
    subjects,
    mature,
    tallies,
    resolvedDigest: digests.digestHex(),
    resolvedDigestRecipe: RESOLVED_DIGEST_RECIPE_V2,
  });
  await writeOnceJson(deps.artifacts, labelReceiptKey(plan), receipt, options);
  return assertReadyForTraining(plan, receipt);
}

/** The label store's state marker as of the plan's label cutoff (what a shard's labels are pinned to). */
export async function labelStoreStateMarker(
  plan: BuildPlan,
  deps: Pick<LabelResolverDeps, 'store' | 'policy'>,
  options?: AbortOptions,
): Promise<string> {
  const { cutoff } = labelResolutionSettings(plan, deps.policy);
  return labelStateMarker(deps.store, plan, cutoff, options);
}
