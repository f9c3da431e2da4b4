import { type RunRecord, type ShardTask, sleepWithSignal } from '@ofs/contracts';
import { manifestHealth } from '../../manifest-health.js';
import { formatError } from '../hints.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { describeEvents, describeRun, runJson } from '../format.js';
import { intOption, readJsonArg, SHARDS_OPTION, settleRun, THREADS_OPTION, withCorridor } from './shared.js';

/** `ofs build <intent.json>`: submit and build in this process until the run settles. */
export const buildCommand: CliCommand = {
  name: 'build',
  args: '<intent.json>',
  summary: 'submit an intent and build it in this process (exit 0 DONE, 1 FAILED, 5 PUBLISH_PENDING)',
  positionals: { min: 1, max: 1 },
  options: {
    supersedes: { type: 'string', multiple: true, help: '<manifest> a manifest id or key this dataset supersedes (repeatable)' },
    'backfill-reason': { type: 'string', help: '<text> why the superseding build was requested' },
    'request-id': {
      type: 'string',
      help: '<id> submit under this request_id instead of the file’s (e.g. after the run configuration changed)',
    },
    threads: THREADS_OPTION,
    shards: SHARDS_OPTION,
  },
  async run(ctx) {
    const intent = withRequestId(ctx, await readJsonArg(ctx, ctx.positionals[0]!, 'intent'));
    return withCorridor(ctx, async (corridor) => {
      const submitted = await corridor.submit(intent, submitOptions(ctx.values, ctx.io.signal));
      ctx.progress(`submitted run ${submitted.run.run_key}${submitted.created ? '' : ' (already submitted)'}`);
      let run: RunRecord = await corridor.runBuild(submitted.run.run_key, { signal: ctx.io.signal });
      // A retryable failure before publication requeues the run with a backoff: wait it out and
      // keep going within the run's budget.
      while (run.state === 'QUEUED' && !ctx.io.signal.aborted) {
        const wait = (run.not_before_ms ?? 0) - Date.now();
        if (wait > 0) {
          ctx.progress(
            `run ${run.run_key} requeued after ${run.last_error?.code ?? 'a retryable error'}; retrying in ${(wait / 1000).toFixed(1)} s`,
          );
          await sleepWithSignal(wait, ctx.io.signal);
        }
        run = await corridor.runBuild(run.run_key, { signal: ctx.io.signal });
      }
      return { exitCode: settleRun(ctx, run), json: { run: runJson(run), created: submitted.created }, text: describeRun(run) };
    });
  },
};

/** The intent with `--request-id` applied (the file is left as it is). */
function withRequestId(ctx: { values: Record<string, unknown> }, intent: unknown): unknown {
  const requestId = ctx.values['request-id'];
  if (requestId === undefined) return intent;
  if (intent === null || typeof intent !== 'object' || Array.isArray(intent)) return intent;
  return { ...(intent as Record<string, unknown>), request_id: requestId };
}

function submitOptions(values: Record<string, unknown>, signal: AbortSignal) {
  const supersedes = values.supersedes as string[] | undefined;
  const reason = values['backfill-reason'] as string | undefined;
  return { signal, ...(supersedes ? { supersedes } : {}), ...(reason === undefined ? {} : { backfillReason: reason }) };
}

/** `ofs submit <intent.json>`: queue a run for a worker. */
export const submitCommand: CliCommand = {
  name: 'submit',
  args: '<intent.json>',
  summary: 'validate an intent and queue a run for a worker (idempotent by request_id)',
  positionals: { min: 1, max: 1 },
  options: (({ threads: _threads, shards: _shards, ...rest }) => rest)(buildCommand.options),
  async run(ctx) {
    const intent = withRequestId(ctx, await readJsonArg(ctx, ctx.positionals[0]!, 'intent'));
    return withCorridor(ctx, async (corridor) => {
      const { run, created } = await corridor.submit(intent, submitOptions(ctx.values, ctx.io.signal));
      return {
        exitCode: EXIT.OK,
        json: { run: runJson(run), created },
        text: [
          `${created ? 'submitted' : 'already submitted'}: run ${run.run_key} (${run.state})`,
          `  follow it with: ${ctx.ofs} status ${run.run_key}`,
        ],
      };
    });
  },
};

/** `ofs worker [--once]`: the job worker. */
export const workerCommand: CliCommand = {
  name: 'worker',
  args: '',
  summary: 'claim and build queued runs through leases (until interrupted, or until idle with --once)',
  positionals: { min: 0, max: 0 },
  options: {
    once: { type: 'boolean', help: 'stop when no run is claimable' },
    concurrency: { type: 'string', help: '<n> runs built at the same time (default 1)' },
    'platform-run-id': { type: 'string', help: '<id> only claim runs of this platform run' },
    inbox: { type: 'boolean', help: 'also submit requests dropped under {platform run}/ofs/inbox/ (needs --platform-run-id)' },
    'lease-ms': { type: 'string', help: '<ms> lease length (default 30000); heartbeats renew it' },
    'poll-ms': { type: 'string', help: '<ms> sleep between polls when idle (default 1000)' },
    'max-runs': { type: 'string', help: '<n> stop after this many runs' },
    threads: THREADS_OPTION,
    shards: SHARDS_OPTION,
  },
  async run(ctx) {
    const leaseMs = intOption(ctx, 'lease-ms', 30_000, 100);
    const platformRunId = ctx.values['platform-run-id'] as string | undefined;
    const maxRuns = ctx.values['max-runs'] === undefined ? undefined : intOption(ctx, 'max-runs', 1);
    return withCorridor(
      ctx,
      async (corridor) => {
        const summary = await corridor.work({
          once: Boolean(ctx.values.once),
          signal: ctx.io.signal,
          concurrency: intOption(ctx, 'concurrency', 1),
          pollMs: intOption(ctx, 'poll-ms', 1_000),
          inbox: Boolean(ctx.values.inbox),
          ...(platformRunId === undefined ? {} : { platformRunId }),
          ...(maxRuns === undefined ? {} : { maxRuns }),
        });
        const states = Object.entries(summary.states).map(([s, n]) => `${s} ${n}`);
        return {
          exitCode: ctx.io.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK,
          json: summary,
          text: [
            `processed ${summary.processed} run(s)${states.length > 0 ? `: ${states.join(', ')}` : ''}`,
            ...(summary.shards > 0 ? [`built ${summary.shards} shard task(s) of fanned-out runs`] : []),
            ...(ctx.values.inbox ? [`inbox: ${summary.inbox.submitted} submitted, ${summary.inbox.rejected} rejected`] : []),
          ],
        };
      },
      { leaseMs },
    );
  },
};

/** What `ofs status` shows of one shard task. */
interface ShardSummary {
  readonly shard: number;
  readonly topic: string;
  readonly partition: number;
  readonly state: ShardTask['state'];
  readonly attempts: number;
  /** The lease holder (LEASED) or the worker that built it (DONE). */
  readonly worker: string | null;
  readonly lease_expires_at_ms: number | null;
  readonly rows: number | null;
  readonly error: string | null;
}

function shardSummary(task: ShardTask): ShardSummary {
  const result = task.result as { worker?: string; pass?: { written?: { rows?: number } }; error?: { code: string } } | null;
  return {
    shard: task.shard,
    topic: task.topic,
    partition: task.partition,
    state: task.state,
    attempts: task.attempts,
    worker: task.lease?.worker ?? result?.worker ?? null,
    lease_expires_at_ms: task.lease?.expires_at_ms ?? null,
    rows: result?.pass?.written?.rows ?? null,
    error: result?.error?.code ?? null,
  };
}

function describeShard(s: ShardSummary): string {
  const who = s.worker === null ? '' : ` ${s.state === 'LEASED' ? 'held by' : 'built by'} ${s.worker}`;
  const what = s.error !== null ? ` failed ${s.error}` : s.rows !== null ? `, ${s.rows} rows` : '';
  return `    ${s.shard} ${s.topic}/${s.partition}: ${s.state}${who}${what} (attempts ${s.attempts})`;
}

/** `ofs retry-publish <run_key>`. */
export const retryPublishCommand: CliCommand = {
  name: 'retry-publish',
  args: '<run_key>',
  summary:
    'publish a PUBLISH_PENDING run from its own stored, digest-checked artifacts (no replay); for a DONE run, re-create a missing manifest byte-identically',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const current = await corridor.ledger.get(ctx.positionals[0]!, { signal: ctx.io.signal });
      if (current.state === 'DONE') {
        // A DONE run: re-create its manifest if it was lost (byte-identical, from verified artifacts).
        const restored = await corridor.restoreManifest(current.run_key, { signal: ctx.io.signal });
        return {
          exitCode: EXIT.OK,
          json: {
            run: runJson(current),
            restored: restored.restored,
            manifest_key: restored.manifestKey,
            manifest_sha256: restored.manifestSha256,
          },
          text: [
            ...describeRun(current),
            restored.restored
              ? `  re-created ${restored.manifestKey} (sha256 ${restored.manifestSha256}) from the run's verified artifacts`
              : `  the manifest ${restored.manifestKey} is present; nothing to do`,
          ],
        };
      }
      const run = await corridor.retryPublish(current.run_key, { signal: ctx.io.signal });
      return { exitCode: settleRun(ctx, run), json: { run: runJson(run) }, text: describeRun(run) };
    });
  },
};

/** `ofs status <run_key>`. */
export const statusCommand: CliCommand = {
  name: 'status',
  args: '<run_key>',
  summary: 'show a run and its events (exit code as for build)',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const run = await corridor.ledger.get(ctx.positionals[0]!, { signal: ctx.io.signal });
      const events = await corridor.ledger.events(run.run_key, { signal: ctx.io.signal });
      // A run fanned out over worker processes: its shard tasks (who holds or built which).
      const shards =
        corridor.shardTasks && run.plan_id !== null
          ? (await corridor.shardTasks.list(run.run_key, run.plan_id, { signal: ctx.io.signal })).map(shardSummary)
          : [];
      const text = [
        ...describeRun(run),
        ...(shards.length > 0 ? ['  shards:', ...shards.map(describeShard)] : []),
        '  events:',
        ...describeEvents(events),
      ];
      const extra = shards.length > 0 ? { shards } : {};
      const health = await manifestHealth(corridor.store, run, events, ctx.io.signal);
      if (health.error) {
        // DONE in the ledger, but the dataset is not what it published: say so, exit 1.
        ctx.io.stderr.write(`${formatError(health.error)}\n`);
        return { exitCode: EXIT.FAILED, json: { run, events, ...extra, manifest: health.manifest, error: health.error.toJSON() }, text };
      }
      return {
        exitCode: settleRun(ctx, run),
        json: { run, events, ...extra, ...(health.manifest ? { manifest: health.manifest } : {}) },
        text,
      };
    });
  },
};
