import {
  type BuildIntent,
  type BuildPlan,
  isOfsError,
  OfsError,
  parseBuildIntent,
  type RunLease,
  type RunRecord,
  throwIfAborted,
} from '@ofs/contracts';
import { createLabelResolver } from '@ofs/labels';
import type { Ledger, PublishedCompletion, ReportedCompletion } from '@ofs/ledger';
import { type RefAudit, resolvePlan } from '@ofs/plan';
import {
  type ExpectedDigests,
  findPublishedByPlan,
  loadPublishInputs,
  type PublishDeps,
  publish,
  type ReconstructProgress,
  reconstruct,
  reconstructSharded,
} from '@ofs/publish';
import { type BuildTelemetry, withBuildSpan } from '@ofs/observe';
import { replaySlices, resolveReplay } from '@ofs/replay';
import { runParityRebuild } from './parity-rebuild.js';
import { keepLease } from './lease-keeper.js';
import { buildFannedOut } from './shard-run.js';
import type { CorridorDeps, CorridorProgress, CorridorStage } from './corridor-types.js';
import { resolveRunConfig, runConfigDigest } from './run-config.js';

/** What executing a claimed run needs besides the run. */
export interface ExecContext {
  readonly deps: CorridorDeps;
  readonly ledger: Ledger;
  readonly worker: string;
  readonly leaseMs: number;
  readonly progress: (event: CorridorProgress) => void;
}

/** Where a failure happened decides what a retryable one does: requeue, or publish pending. */
interface StageTracker {
  stage: CorridorStage;
}

function asOfsError(error: unknown): OfsError {
  if (isOfsError(error)) return error;
  return new OfsError('INTERNAL_ERROR', {
    message: `unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

/**
 * Drives one claimed run to its next state: the whole build (mode FULL) or publication only
 * (PUBLISH_ONLY). Never throws for a failure of the run itself — that becomes the run's state —
 * and never leaves the run RUNNING without a live lease: abort → `release`, lost lease → nothing
 * (another worker owns it), anything else → `fail` / `requeue` / `publishPending`.
 */
export async function executeRun(ctx: ExecContext, claimed: RunRecord, lease: RunLease, outer?: AbortSignal): Promise<RunRecord> {
  const { ledger } = ctx;
  const runKey = claimed.run_key;
  const token = lease.token;
  const keeper = keepLease(() => ledger.heartbeat(runKey, token, ctx.leaseMs), ctx.leaseMs, outer, ['LEASE_LOST', 'RUN_STATE_INVALID']);
  const tracker: StageTracker = { stage: 'config' };
  const signal = keeper.signal;
  try {
    const correlation = {
      run_key: runKey,
      request_id: claimed.request_id,
      platform_run_id: claimed.platform_run_id,
      policy_revision: ctx.deps.policy.revision,
    };
    const result = await withBuildSpan(
      correlation,
      (build) => buildOrPublish(ctx, claimed, token, tracker, signal, build),
      ctx.deps.tracerProvider ? { tracerProvider: ctx.deps.tracerProvider } : undefined,
    );
    const what = result.outcome === 'REPORTED' ? result.reportKey : result.manifestKey;
    ctx.progress({ run_key: runKey, stage: 'done', message: `${result.outcome} ${what}`, details: { ...result } });
    return await ledger.complete(runKey, token, result);
  } catch (raw) {
    const error = keeper.lost() ?? asOfsError(raw);
    return settleFailure(ctx, runKey, token, error, tracker.stage, claimed.mode);
  } finally {
    keeper.stop();
  }
}

async function settleFailure(
  ctx: ExecContext,
  runKey: string,
  token: string,
  error: OfsError,
  stage: CorridorStage,
  mode: RunRecord['mode'],
): Promise<RunRecord> {
  const { ledger } = ctx;
  ctx.progress({
    run_key: runKey,
    stage,
    message: `${error.code}: ${error.message}`,
    details: { code: error.code, retryable: error.retryable },
  });
  const input = { code: error.code, message: error.message.slice(0, 2_000), retryable: error.retryable, stage };
  try {
    if (error.code === 'LEASE_LOST') return await ledger.get(runKey);
    if (error.code === 'ABORTED') return await ledger.release(runKey, token, { reason: 'aborted' });
    if (!error.retryable) return await ledger.fail(runKey, token, input);
    if (stage === 'publish' || mode === 'PUBLISH_ONLY') return await ledger.publishPending(runKey, token, input);
    return await ledger.requeue(runKey, token, input);
  } catch (settleError) {
    // The ledger itself failed (or the lease was lost meanwhile): the lease expires and another
    // worker resumes the run. Report the run as the ledger last knew it, if it can be read.
    if (isOfsError(settleError, 'LEASE_LOST')) return ledger.get(runKey);
    throw settleError;
  }
}

type Completion = PublishedCompletion | ReportedCompletion;

async function buildOrPublish(
  ctx: ExecContext,
  run: RunRecord,
  token: string,
  tracker: StageTracker,
  signal: AbortSignal,
  build: BuildTelemetry,
): Promise<Completion> {
  const { deps, ledger } = ctx;
  const runKey = run.run_key;
  /** Enters a stage (abort boundary, progress, failure attribution) and runs it in its span. */
  const stage = <T>(name: CorridorStage, message: string, fn: () => Promise<T>): Promise<T> => {
    throwIfAborted(signal);
    tracker.stage = name;
    ctx.progress({ run_key: runKey, stage: name, message });
    return build.stage(name, {}, fn);
  };
  const stageDone = async (stage: CorridorStage, details: Record<string, unknown>) => {
    await ledger.record(runKey, token, { type: 'STAGE', details: { stage, ...details } }, { signal });
  };

  // ── config handshake ─────────────────────────────────────────────────────────────────────────
  const { intent, ownDigest } = await stage('config', 'checking the run-config digest', async () => {
    const parsed: BuildIntent = parseBuildIntent(run.intent);
    const config = await resolveRunConfig(
      parsed,
      { policy: deps.policy, profiles: deps.profiles, pins: deps.pins, ...(deps.configExtra ? { extra: deps.configExtra } : {}) },
      { signal },
    );
    const digest = runConfigDigest(config);
    if (run.run_config_digest !== digest) {
      throw new OfsError('RUN_CONFIG_DIGEST_MISMATCH', {
        message: `run ${runKey} was submitted under run-config digest ${run.run_config_digest ?? '(none)'}; this worker's is ${digest}`,
        details: {
          run_key: runKey,
          submitted: run.run_config_digest,
          worker: digest,
          worker_config: config as unknown as Record<string, unknown>,
        },
      });
    }
    return { intent: parsed, ownDigest: digest };
  });

  // ── plan (every meaning pin, before any replay) ─────────────────────────────────────────────
  const plan: BuildPlan = await stage('plan', 'resolving the plan', async () => {
    const audits: RefAudit[] = [];
    let resolution: Awaited<ReturnType<typeof resolvePlan>>;
    try {
      resolution = await resolvePlan(
        intent,
        { store: deps.store, profiles: deps.profiles, policy: deps.policy, pins: deps.pins },
        { signal, onRef: (audit) => audits.push(audit) },
      );
    } finally {
      // Every protected ref the plan touched — resolved or refused — is an audit event of the run.
      for (const audit of audits) await auditRef(ctx, runKey, token, audit, signal);
    }
    const resolved = resolution.plan;
    build.annotate({ plan_id: resolved.plan_id, basis_hash: resolved.basis_hash, dataset_manifest_id: resolved.dataset_manifest_id });
    await stageDone('plan', { plan_id: resolved.plan_id, plan_key: resolution.planKey, training_posture: resolved.training_posture });
    return resolved;
  });

  // ── parity rebuild: a report, never a manifest (D10, D55) ─────────────────────────────────────
  if (plan.intent_kind === 'parity_rebuild') {
    return stage('parity', 'rebuilding features up to each anchor and comparing', async () => {
      const parity = await runParityRebuild(
        plan,
        intent,
        { store: deps.store, eb: deps.eb, archive: deps.archive, profiles: deps.profiles, policy: deps.policy },
        { signal },
      );
      await stageDone('parity', {
        report_key: parity.reportKey,
        report_sha256: parity.reportSha256,
        verdict: parity.report.verdict,
        ...parity.report.totals,
      });
      return { outcome: 'REPORTED', reportKey: parity.reportKey, reportSha256: parity.reportSha256, planId: plan.plan_id } as const;
    });
  }

  if (run.mode === 'PUBLISH_ONLY') {
    if (run.plan_id !== null && run.plan_id !== plan.plan_id) {
      throw new OfsError('PUBLISH_GATE_FAILED', {
        message: `run ${runKey} built plan ${run.plan_id}, but its intent now resolves to ${plan.plan_id}; nothing is published`,
        details: { run_key: runKey, built_plan_id: run.plan_id, resolved_plan_id: plan.plan_id },
      });
    }
    return stage('publish', 'publishing the stored artifacts (publish-only retry)', async () => {
      const expected = await recordedDigests(ledger, runKey, signal);
      const stored = await loadPublishInputs(deps.store, plan, expected, { signal });
      const published = await publish(plan, stored, publishDeps(run, ownDigest, deps), { signal });
      await stageDone('publish', {
        outcome: published.outcome,
        manifest_key: published.manifestKey,
        manifest_sha256: published.manifestSha256,
        publish_only: true,
      });
      return completion(published, plan);
    });
  }

  // ── preflight: the same plan already published → converge before any replay ───────────────
  const existing = await stage('preflight', 'looking for a manifest already published for this plan', async () => {
    const found = await findPublishedByPlan(deps.store, plan, { signal });
    if (found) await stageDone('preflight', { reused_manifest_key: found.manifestKey, manifest_sha256: found.index.manifest.sha256 });
    return found;
  });
  if (existing) {
    return {
      outcome: 'ALREADY_PUBLISHED',
      manifestKey: existing.manifestKey,
      statusClass: existing.manifest.status_class,
      planId: plan.plan_id,
      // findPublishedByPlan checked the manifest's bytes against this sha256.
      manifestSha256: existing.index.manifest.sha256,
    };
  }

  // ── replay → reconstruction with batched labels ─────────────────────────────────────────────
  // Replay and reconstruction stream into each other, so the replay span covers opening the
  // streams and the reconstruct span covers draining them.
  const { replay, profile } = await stage('replay', 'replaying EB and Archive', async () => ({
    replay: resolveReplay(plan, { eb: deps.eb, archive: deps.archive, policy: deps.policy, store: deps.store }, { signal }),
    profile: await deps.profiles.resolve(plan.feature_profile.feature_set_id, plan.feature_profile.feature_set_version, { signal }),
  }));
  const stored = await stage('reconstruct', 'reconstructing rows and joining labels', async () => {
    const labels = createLabelResolver(plan, { store: deps.labels, policy: deps.policy, artifacts: deps.store });
    let drafted: Awaited<ReturnType<typeof reconstruct>>;
    try {
      const expected = basisOffsets(plan);
      const reconstructDeps = { labels, profile, store: deps.store, policy: deps.policy };
      const reconstructOptions = {
        signal,
        onProgress: (p: ReconstructProgress) =>
          ctx.progress({ run_key: runKey, stage: 'reconstruct', message: 'progress', counters: { ...p, records_expected: expected } }),
      };
      const threads = deps.threads ?? 1;
      drafted =
        deps.fanOut && deps.shardTasks && partitionCount(plan) > 1
          ? await buildFannedOut(
              {
                deps,
                tasks: deps.shardTasks,
                worker: ctx.worker,
                leaseMs: ctx.leaseMs,
                progress: (message, details) => ctx.progress({ run_key: runKey, stage: 'reconstruct', message, details }),
              },
              runKey,
              { plan, profile, runConfigDigest: ownDigest },
              replay.records,
              signal,
            )
          : threads > 1 && partitionCount(plan) > 1
            ? await reconstructSharded(
                plan,
                {
                  stream: replay.records,
                  partition: (slices, options) =>
                    replaySlices(plan, slices, { eb: deps.eb, archive: deps.archive, policy: deps.policy }, options),
                },
                reconstructDeps,
                { ...reconstructOptions, threads },
              )
            : await reconstruct(plan, replay.records, reconstructDeps, reconstructOptions);
    } finally {
      replay.receipt.catch(() => undefined);
    }
    const replayReceipt = await replay.receipt;
    // Publish what the store holds (and record its digests): a publish-only retry reloads exactly these.
    const inputs = await loadPublishInputs(deps.store, plan, {}, { signal });
    await stageDone('reconstruct', {
      replay_status: replayReceipt.status,
      records: replayReceipt.totals.records,
      rows_total: drafted.draft.rows_total,
      parts: drafted.draft.parts.length,
      artifact_digests: inputs.digests,
    });
    return inputs;
  });

  // ── publication (retryable failures from here on → PUBLISH_PENDING) ─────────────────────────
  return stage('publish', 'publishing the manifest', async () => {
    const published = await publish(plan, stored, publishDeps(run, ownDigest, deps), { signal });
    await stageDone('publish', {
      outcome: published.outcome,
      manifest_key: published.manifestKey,
      manifest_sha256: published.manifestSha256,
    });
    return completion(published, plan);
  });
}

/** The artifact digests the run recorded after reconstruction (what a publish-only retry must find). */
export async function recordedDigests(ledger: Ledger, runKey: string, signal: AbortSignal): Promise<ExpectedDigests> {
  const events = await ledger.events(runKey, { signal });
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const digests = e.details.artifact_digests as ExpectedDigests | undefined;
    if (e.type === 'STAGE' && e.details.stage === 'reconstruct' && digests && typeof digests === 'object') {
      if (typeof digests.replayReceipt === 'string' && typeof digests.labelReceipt === 'string' && typeof digests.draft === 'string')
        return digests;
    }
  }
  throw new OfsError('PUBLISH_GATE_FAILED', {
    message: `run ${runKey} recorded no artifact digests; its stored artifacts cannot be verified, so nothing is published`,
    details: { run_key: runKey, gate: 'stored_artifacts' },
  });
}

export function publishDeps(run: RunRecord, digest: string, deps: CorridorDeps): PublishDeps {
  return {
    store: deps.store,
    runConfigDigest: digest,
    ...(run.supersedes.length > 0 ? { supersedes: run.supersedes } : {}),
    ...(run.backfill_reason === null ? {} : { backfillReason: run.backfill_reason }),
  };
}

function completion(
  published: {
    outcome: 'NEW' | 'ALREADY_PUBLISHED';
    manifestKey: string;
    manifestSha256: string;
    manifest: { status_class: PublishedCompletion['statusClass'] };
  },
  plan: BuildPlan,
): PublishedCompletion {
  return {
    outcome: published.outcome,
    manifestKey: published.manifestKey,
    statusClass: published.manifest.status_class,
    planId: plan.plan_id,
    manifestSha256: published.manifestSha256,
  };
}

async function auditRef(ctx: ExecContext, runKey: string, token: string, audit: RefAudit, signal: AbortSignal): Promise<void> {
  const details = {
    actor: ctx.worker,
    ref: audit.ref,
    purpose: audit.purpose,
    outcome: audit.outcome,
    ...(audit.output_id === undefined ? {} : { output_id: audit.output_id }),
  };
  await ctx.ledger.record(runKey, token, { type: 'EVIDENCE_REF', details }, { signal });
}

/** Distinct topic partitions of the plan's replay basis (the unit of a shard). */
function partitionCount(plan: BuildPlan): number {
  return new Set(plan.replay_basis.map((s) => `${s.topic}/${s.partition}`)).size;
}

/** Offsets the plan's replay basis spans (an upper bound on the records replay yields). */
function basisOffsets(plan: BuildPlan): number {
  let total = 0n;
  for (const s of plan.replay_basis) total += BigInt(s.end_offset) - BigInt(s.start_offset) + 1n;
  return Number(total);
}
