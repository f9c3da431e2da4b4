// Runs fanned out over worker processes (issue 17 item 3, D120): the run's owner agrees on
// duplicates and creates one shard task per topic partition in the ledger; any worker claims
// shard tasks under leases, builds the partition and stores its result; the owner merges the
// results (refusing any built against other pins) into the one-thread draft and publishes.
import {
  type BuildPlan,
  isOfsError,
  OfsError,
  parseBuildIntent,
  type ReplayRecord,
  type ResolvedFeatureProfile,
  type ShardClaim,
  type ShardPins,
  type ShardTask,
  type ShardTaskStore,
  sleepWithSignal,
  systemClock,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import { createLabelResolver, type LabelResolutionPartial, labelStoreStateMarker, mergeLabelPartials } from '@ofs/labels';
import { resolvePlan } from '@ofs/plan';
import { buildShard, type DraftResult, mergeShards, planShards, type RowsPass, type ShardSpec, shardSlices } from '@ofs/publish';
import { replaySlices } from '@ofs/replay';
import type { CorridorDeps } from './corridor-types.js';
import { keepLease } from './lease-keeper.js';
import { resolveRunConfig, runConfigDigest } from './run-config.js';

/** What a shard task stores when it is done: the pins it was built against and its result or error. */
export interface ShardResult {
  readonly pins: ShardPins;
  readonly worker: string;
  readonly pass?: RowsPass;
  readonly labels?: LabelResolutionPartial;
  readonly error?: { readonly code: string; readonly message: string; readonly retryable: boolean };
}

/** What running shard tasks needs. */
export interface ShardContext {
  readonly deps: CorridorDeps;
  readonly tasks: ShardTaskStore;
  readonly worker: string;
  readonly leaseMs: number;
  /** Sleep between looks at the shards of a run while others build them (default 250 ms). */
  readonly pollMs?: number;
  /** Receives what the run's worker is doing (fan-out, waiting, merging); must not throw. */
  readonly progress?: (message: string, details: Record<string, unknown>) => void;
}

/** A shard's plan, profile and run-config digest, when the caller already resolved them (the run's owner). */
export interface KnownShardInputs {
  readonly plan: BuildPlan;
  readonly profile: ResolvedFeatureProfile;
  readonly runConfigDigest: string;
}

/** How often the owner rebuilds shards the merge refused before the run fails with `SHARD_PIN_MISMATCH`. */
const MAX_PIN_ROUNDS = 3;

/**
 * The owner's side of a fanned-out run: the first pass (duplicates agreed over the whole stream)
 * becomes the shard tasks; then the owner builds shards like any worker until none is claimable,
 * waits for the ones others hold (taking over any whose lease lapses), checks every result's pins
 * against the run's, and merges. The tasks are created once per run and plan, so a resumed run
 * (its owner died) re-reads the stream, finds its specs unchanged and reuses every finished shard.
 */
export async function buildFannedOut(
  ctx: ShardContext,
  runKey: string,
  known: KnownShardInputs,
  stream: AsyncIterable<ReplayRecord>,
  signal: AbortSignal,
): Promise<DraftResult> {
  const { deps, tasks } = ctx;
  const { plan, profile } = known;
  const specs = await planShards(plan, stream, { signal });
  const labelDeps = { store: deps.labels, policy: deps.policy, artifacts: deps.store };
  const pinsNow = async (): Promise<ShardPins> => ({
    plan_id: plan.plan_id,
    run_config_digest: known.runConfigDigest,
    profile_digest: profile.digest,
    label_state_marker: await labelStoreStateMarker(plan, labelDeps, { signal }),
  });
  const fanned = await tasks.fanOut(
    runKey,
    await pinsNow(),
    specs.map((spec) => ({
      shard: spec.shard,
      topic: spec.topic,
      partition: spec.partition,
      spec: spec as unknown as Record<string, unknown>,
    })),
    { signal },
  );
  ctx.progress?.(`${fanned.created ? 'fanned out' : 'found'} ${fanned.tasks.length} shard tasks`, {
    shards: fanned.tasks.length,
    created: fanned.created,
    done: fanned.tasks.filter((t) => t.state === 'DONE').length,
  });
  fanned.tasks.forEach((task, i) => {
    if (canonicalJson(task.spec) !== canonicalJson(specs[i])) {
      throw new OfsError('REPLAY_SOURCE_UNSTABLE', {
        message: `shard ${i} (${task.topic}/${task.partition}) of run ${runKey} was fanned out from other records than the stream holds now`,
        details: { run_key: runKey, shard: i, topic: task.topic, partition: task.partition },
      });
    }
  });

  const clock = deps.clock ?? systemClock;
  let waiting = false;
  for (let round = 1; ; ) {
    // Build what is claimable here (pending shards, and shards whose worker's lease lapsed).
    for (;;) {
      throwIfAborted(signal);
      const claim = await tasks.claim({ worker: ctx.worker, leaseMs: ctx.leaseMs, nowMs: clock.now(), runKey }, { signal });
      if (claim === undefined) break;
      await runShardTask(ctx, claim, signal, known);
    }
    const current = await tasks.list(runKey, plan.plan_id, { signal });
    const open = current.filter((t) => t.state !== 'DONE');
    if (open.length > 0) {
      if (!waiting) {
        waiting = true;
        ctx.progress?.(`waiting for ${open.length} shard(s) other workers hold`, {
          shards: open.map((t) => ({ shard: t.shard, worker: t.lease?.worker ?? null })),
        });
      }
      await sleepWithSignal(ctx.pollMs ?? 250, signal);
      continue;
    }
    waiting = false;
    const results = current.map((t) => t.result as unknown as ShardResult);
    const failed = results.findIndex((r) => r.error !== undefined);
    if (failed >= 0) {
      const error = results[failed]!.error!;
      if (!error.retryable) throw new OfsError(error.code as never, { message: `shard ${failed}: ${error.message}`, retryable: false });
    }
    const pins = await pinsNow();
    const refused = results.flatMap((r, i) => (r.error !== undefined || canonicalJson(r.pins) !== canonicalJson(pins) ? [i] : []));
    if (refused.length > 0) {
      if (round++ >= MAX_PIN_ROUNDS) {
        // A shard that keeps failing retryably (its store was down, say) fails the run with its own
        // code, so the run is requeued and the cause is named; otherwise the pins kept moving.
        const failing = results.find((r) => r.error !== undefined)?.error;
        if (failing) throw new OfsError(failing.code as never, { message: `shard: ${failing.message}`, retryable: true });
        throw new OfsError('SHARD_PIN_MISMATCH', {
          message: `shard(s) ${refused.join(', ')} of run ${runKey} were built against other inputs ${MAX_PIN_ROUNDS} times`,
          details: { run_key: runKey, shards: refused, expected: pins as unknown as Record<string, unknown> },
        });
      }
      ctx.progress?.(`rebuilding shard(s) ${refused.join(', ')}: built against other inputs, or failed retryably`, {
        shards: refused,
        round,
      });
      await tasks.reset(runKey, plan.plan_id, refused, { signal });
      continue;
    }
    ctx.progress?.(`merging ${results.length} shards`, { workers: [...new Set(results.map((r) => r.worker))] });
    return mergeFannedOut(plan, specs, results, deps, profile, signal);
  }
}

/** The draft of a run whose shards are all done and pinned to the run's inputs. */
async function mergeFannedOut(
  plan: BuildPlan,
  specs: readonly ShardSpec[],
  results: readonly ShardResult[],
  deps: CorridorDeps,
  profile: ResolvedFeatureProfile,
  signal: AbortSignal,
): Promise<DraftResult> {
  const partials = results.map((r) => r.labels as LabelResolutionPartial);
  const finishLabels = (options?: { signal?: AbortSignal }) =>
    mergeLabelPartials(plan, { store: deps.labels, policy: deps.policy, artifacts: deps.store }, partials, options);
  return mergeShards(
    plan,
    specs,
    results.map((r) => r.pass as RowsPass),
    { finishLabels, store: deps.store, profile, policy: deps.policy },
    { signal },
  );
}

/**
 * Builds one claimed shard task and stores its result under the claim's token. The lease is
 * renewed while the shard builds; a lost lease (another worker took the task over) aborts it.
 * A failure is stored as the shard's result (the owner fails the run with its code, or rebuilds
 * the shard when it is retryable); only a lost lease or an abort leaves the task to its lease.
 * Returns whether a result (or failure) was stored.
 */
export async function runShardTask(
  ctx: ShardContext,
  claim: ShardClaim,
  outer: AbortSignal | undefined,
  known?: KnownShardInputs,
): Promise<boolean> {
  const { deps, tasks } = ctx;
  const { task, token } = claim;
  const clock = deps.clock ?? systemClock;
  const lease = keepLease(
    () => tasks.heartbeat(task.run_key, task.plan_id, task.shard, token, ctx.leaseMs, clock.now()),
    ctx.leaseMs,
    outer,
  );
  let result: ShardResult;
  try {
    result = await buildShardResult(ctx, task, known, lease.signal);
  } catch (raw) {
    if (lease.lost()) return false;
    const error = toOfsError(raw, 'INTERNAL_ERROR', `building shard ${task.shard} of run ${task.run_key}`);
    if (error.code === 'ABORTED' || error.code === 'LEASE_LOST') return false;
    result = {
      pins: task.pins,
      worker: ctx.worker,
      error: { code: error.code, message: error.message.slice(0, 2_000), retryable: error.retryable },
    };
  } finally {
    lease.stop();
  }
  try {
    await tasks.complete(task.run_key, task.plan_id, task.shard, token, result as unknown as Record<string, unknown>);
    return true;
  } catch (error) {
    // Another worker owns the task now (it builds the same bytes); anything else: the lease lapses.
    if (!isOfsError(error, 'LEASE_LOST')) throw error;
    return false;
  }
}

/** The inputs of a shard claimed from another worker's run: the run's intent resolved here, checked against the task's pins. */
async function resolveShardInputs(deps: CorridorDeps, task: ShardTask, signal: AbortSignal): Promise<KnownShardInputs> {
  const run = await deps.ledger.get(task.run_key, { signal });
  if (run === undefined) throw new OfsError('RUN_NOT_FOUND', { message: `run ${task.run_key} of shard ${task.shard} does not exist` });
  const intent = parseBuildIntent(run.intent);
  const config = await resolveRunConfig(
    intent,
    { policy: deps.policy, profiles: deps.profiles, pins: deps.pins, ...(deps.configExtra ? { extra: deps.configExtra } : {}) },
    { signal },
  );
  const digest = runConfigDigest(config);
  if (digest !== task.pins.run_config_digest) {
    throw new OfsError('SHARD_PIN_MISMATCH', {
      message: `run ${task.run_key} was fanned out under run-config digest ${task.pins.run_config_digest}; this worker's is ${digest}`,
      details: { pin: 'run_config_digest', shards: [task.shard], expected: task.pins.run_config_digest, found: digest },
    });
  }
  const { plan } = await resolvePlan(
    intent,
    { store: deps.store, profiles: deps.profiles, policy: deps.policy, pins: deps.pins },
    { signal },
  );
  if (plan.plan_id !== task.plan_id) {
    throw new OfsError('SHARD_PIN_MISMATCH', {
      message: `run ${task.run_key}'s intent resolves to plan ${plan.plan_id} here; its shards belong to plan ${task.plan_id}`,
      details: { pin: 'plan_id', shards: [task.shard], expected: task.plan_id, found: plan.plan_id },
    });
  }
  const profile = await deps.profiles.resolve(plan.feature_profile.feature_set_id, plan.feature_profile.feature_set_version, { signal });
  return { plan, profile, runConfigDigest: digest };
}

async function buildShardResult(
  ctx: ShardContext,
  task: ShardTask,
  known: KnownShardInputs | undefined,
  signal: AbortSignal,
): Promise<ShardResult> {
  const { deps } = ctx;
  const inputs = known ?? (await resolveShardInputs(deps, task, signal));
  const { plan, profile } = inputs;
  const spec = task.spec as unknown as ShardSpec;
  const labels = createLabelResolver(plan, { store: deps.labels, policy: deps.policy, artifacts: deps.store });
  const records = replaySlices(plan, shardSlices(plan, spec), { eb: deps.eb, archive: deps.archive, policy: deps.policy }, { signal });
  const pass = await buildShard(plan, spec, records, { labels, store: deps.store, profile, policy: deps.policy }, { signal });
  const partial = await labels.partial({ signal });
  return {
    pins: {
      plan_id: plan.plan_id,
      run_config_digest: inputs.runConfigDigest,
      profile_digest: profile.digest,
      label_state_marker: partial.store_state_marker,
    },
    worker: ctx.worker,
    pass,
    labels: partial,
  };
}
