import { randomUUID } from 'node:crypto';
import { type BuildIntent, OfsError, parseBuildIntent, parseOfsPolicy, type RunRecord, systemClock, throwIfAborted } from '@ofs/contracts';
import { createLedger } from '@ofs/ledger';
import { resolvePlan } from '@ofs/plan';
import { findPublishedByPlan } from '@ofs/publish';
import { feasibility } from '@ofs/replay';
import { claimRunByKey } from './claim-by-key.js';
import type { Corridor, CorridorDeps, CorridorProgress } from './corridor-types.js';
import { type ExecContext, executeRun } from './execute-run.js';
import { restoreManifest } from './restore-manifest.js';
import { runShardTask } from './shard-run.js';
import { resolveRunConfig, runConfigDigest } from './run-config.js';
import { workLoop } from './work-loop.js';

/** Default lease length of a claimed run. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * Composes the corridor (DESIGN §10): plan → preflight reuse by plan → replay → reconstruction with
 * batched labels → publish, driving the run ledger. Every run is stamped with this corridor's
 * run-config digest at submit and checked again by the worker that builds it.
 *
 * @example
 * const corridor = createCorridor({ store, ledger: ledgerStore, eb, archive, labels, profiles, policy, pins });
 * const { run } = await corridor.submit(intent);
 * const done = await corridor.runBuild(run.run_key); // or: await corridor.work({ once: true })
 * console.log(done.state, done.outcome, done.manifest_key);
 */
export function createCorridor(deps: CorridorDeps): Corridor {
  const policy = parseOfsPolicy(deps.policy);
  const clock = deps.clock ?? systemClock;
  const fullDeps: CorridorDeps = { ...deps, policy, clock };
  const ledger = createLedger({
    store: deps.ledger,
    clock,
    policy,
    ...(deps.requeueBackoff ? { requeueBackoff: deps.requeueBackoff } : {}),
  });
  const worker = deps.worker ?? `ofs-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 100)
    throw new OfsError('CORRIDOR_CONFIG_INVALID', { message: `leaseMs must be an integer ≥ 100, got ${leaseMs}` });
  const progress = (event: CorridorProgress) => {
    try {
      deps.onProgress?.(event);
    } catch {
      // A progress listener must never break a build.
    }
  };
  const ctx: ExecContext = { deps: fullDeps, ledger, worker, leaseMs, progress };

  const digestFor = async (intent: BuildIntent, signal?: AbortSignal) =>
    runConfigDigest(
      await resolveRunConfig(
        intent,
        { policy, profiles: deps.profiles, pins: deps.pins, ...(deps.configExtra ? { extra: deps.configExtra } : {}) },
        signal ? { signal } : {},
      ),
    );

  const driveByKey = async (runKey: string, signal: AbortSignal | undefined, onlyPending: boolean): Promise<RunRecord> => {
    throwIfAborted(signal);
    const current = await ledger.get(runKey, signal ? { signal } : {});
    // A DONE run whose manifest was lost: re-create it from the run's verified artifacts.
    if (onlyPending && current.state === 'DONE') return (await restoreManifest(ctx, current, signal)).run;
    if (onlyPending && current.state !== 'PUBLISH_PENDING') {
      throw new OfsError('RUN_STATE_INVALID', {
        message: `run ${runKey} is ${current.state}; only a PUBLISH_PENDING run (or a DONE run whose manifest is missing) can retry publication`,
        details: { run_key: runKey, state: current.state },
      });
    }
    if (current.state === 'DONE' || current.state === 'FAILED' || current.state === 'CANCELLED') return current;
    // An operator's retry-publish (the cause was fixed) does not wait out the backoff; a build does.
    const claim = await claimRunByKey(
      deps.ledger,
      runKey,
      { worker, leaseMs, clock, policy, ignoreBackoff: onlyPending },
      signal ? { signal } : {},
    );
    if (!claim.claimed) {
      if (claim.run.state === 'RUNNING') {
        const expires = claim.run.lease?.expires_at_ms ?? null;
        const waitS = expires === null ? null : Math.max(0, Math.ceil((expires - clock.now()) / 1000));
        throw new OfsError('RUN_LEASE_HELD', {
          message:
            `run ${runKey} is being built by ${claim.run.lease?.worker ?? 'another worker'}` +
            (expires === null
              ? ''
              : `; its lease runs until ${new Date(expires).toISOString()} (${waitS} s from now) and is renewed while that worker lives — if it died, the run can be resumed after that`),
          details: { run_key: runKey, state: claim.run.state, worker: claim.run.lease?.worker ?? null, lease_expires_at_ms: expires },
        });
      }
      return claim.run;
    }
    return executeRun(ctx, claim.run, claim.lease, signal);
  };

  const corridor: Corridor = {
    ledger,

    async submit(intent, options = {}) {
      const parsed = parseBuildIntent(intent);
      const digest = await digestFor(parsed, options.signal);
      return ledger.submit(parsed, {
        runConfigDigest: digest,
        ...(options.supersedes ? { supersedes: options.supersedes } : {}),
        ...(options.backfillReason === undefined ? {} : { backfillReason: options.backfillReason }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    },

    runBuild: (runKey, options = {}) => driveByKey(runKey, options.signal, false),

    retryPublish: (runKey, options = {}) => driveByKey(runKey, options.signal, true),

    restoreManifest: async (runKey, options = {}) =>
      restoreManifest(ctx, await ledger.get(runKey, options.signal ? { signal: options.signal } : {}), options.signal),

    async planOnly(intent, options = {}) {
      const signal = options.signal;
      const parsed = parseBuildIntent(intent);
      const digest = await digestFor(parsed, signal);
      const resolution = await resolvePlan(
        parsed,
        { store: deps.store, profiles: deps.profiles, policy, pins: deps.pins },
        signal ? { signal } : {},
      );
      throwIfAborted(signal);
      const answer = await feasibility(resolution.plan, { eb: deps.eb, archive: deps.archive }, signal ? { signal } : {});
      const published = await findPublishedByPlan(deps.store, resolution.plan, signal ? { signal } : {});
      return {
        plan: resolution.plan,
        planKey: resolution.planKey,
        runConfigDigest: digest,
        feasibility: answer,
        publishedManifestKey: published?.manifestKey ?? null,
      };
    },

    work: (options = {}) =>
      workLoop(options, {
        claim: (platformRunId, signal) =>
          ledger.claim({ worker, leaseMs, ...(platformRunId === undefined ? {} : { platformRunId }) }, signal ? { signal } : {}),
        execute: (claimed, signal) => executeRun(ctx, claimed.run, claimed.lease, signal),
        submit: (intent, opts) => corridor.submit(intent, opts),
        store: deps.store,
        ...(deps.shardTasks
          ? {
              shards: {
                claim: (signal) => deps.shardTasks!.claim({ worker, leaseMs, nowMs: clock.now() }, signal ? { signal } : {}),
                run: (claimed, signal) => runShardTask({ deps: fullDeps, tasks: deps.shardTasks!, worker, leaseMs }, claimed, signal),
              },
            }
          : {}),
      }),

    runConfigDigest: async (intent, options = {}) => digestFor(parseBuildIntent(intent), options.signal),
  };
  return corridor;
}
