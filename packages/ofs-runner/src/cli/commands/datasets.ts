import { isOfsError, type RunRecord, type RunState, systemClock } from '@ofs/contracts';
import type { DefaultCorridor } from '../../default-corridor.js';
import { readManifest, verifyDataset } from '@ofs/publish';
import { collectGarbage } from '../../gc.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { formatError } from '../hints.js';
import { describeManifest } from '../format.js';
import { intOption, manifestKeyArg, readJsonArg, withCorridor } from './shared.js';
import { describeWindow, emptyWindow, windowedIntent } from './window.js';

/** `ofs verify <manifest>`: the whole evidence chain through `verifyDataset` (never writes). */
export const verifyCommand: CliCommand = {
  name: 'verify',
  args: '<manifest>',
  summary:
    'verify a dataset end to end: manifest form, evidence digests, claims vs receipts and plan, by-plan index, parts, rows digest, and the digest the run recorded (exit 1 on any difference)',
  positionals: { min: 1, max: 1 },
  options: {
    'no-ledger': { type: 'boolean', help: 'skip the ledger checks (store only; does not open the database)' },
  },
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0]!);
      const ledger = ctx.values['no-ledger'] ? undefined : corridor.ledgerStore;
      try {
        const report = await verifyDataset(key, { store: corridor.store, signal: ctx.io.signal, ...(ledger ? { ledger } : {}) });
        const recorded = report.ledger?.runs.filter((r) => r.manifest_sha256 !== null).length ?? 0;
        return {
          exitCode: EXIT.OK,
          json: {
            manifest_key: key,
            ok: true,
            manifest_sha256: report.manifestSha256,
            rows_read: report.rows,
            rows_total: report.manifest.rows_total,
            parts: report.manifest.parts.length,
            rows_digest: report.manifest.rows_digest,
            checks: report.checks,
            ledger: report.ledger,
            notes: report.notes,
          },
          text: [
            `verified ${key}: ${report.rows} rows in ${report.manifest.parts.length} part(s)`,
            `  checked: ${report.checks.filter((c, i, all) => all.indexOf(c) === i).join(', ')}`,
            ledger
              ? `  ledger: ${report.ledger?.runs.length ?? 0} DONE run(s) published it, ${recorded} recorded its sha256 ${report.manifestSha256}`
              : '  ledger: not checked (--no-ledger)',
            ...report.notes.map((n) => `  note: ${n}`),
          ],
        };
      } catch (error) {
        if (!isOfsError(error, 'DATASET_INTEGRITY_VIOLATION') && !isOfsError(error, 'MANIFEST_MISSING')) throw error;
        ctx.io.stderr.write(`${formatError(error)}\n`);
        const differences = (error.details.differences as { check: string; key: string; message: string }[] | undefined) ?? [];
        return {
          exitCode: EXIT.FAILED,
          json: { manifest_key: key, ok: false, error: error.toJSON() },
          text: [`verify FAILED: ${key}`, ...differences.map((d) => `  ${d.check} (${d.key}): ${d.message}`)],
        };
      }
    });
  },
};

/** `ofs inspect <manifest>`. */
export const inspectCommand: CliCommand = {
  name: 'inspect',
  args: '<manifest>',
  summary: 'summarise a published manifest (basis, labels, profile, provenance, parts)',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0]!);
      const manifest = await readManifest(key, { store: corridor.store, signal: ctx.io.signal });
      return { exitCode: EXIT.OK, json: { manifest_key: key, manifest }, text: describeManifest(key, manifest) };
    });
  },
};

/** `ofs gc [--apply]`. */
export const gcCommand: CliCommand = {
  name: 'gc',
  args: '',
  summary: 'list dataset parts no manifest references; --apply deletes those older than the grace period',
  positionals: { min: 0, max: 0 },
  options: {
    apply: { type: 'boolean', help: 'delete eligible parts (default: only list)' },
    'grace-hours': { type: 'string', help: '<h> only parts at least this old are deleted (default 24)' },
  },
  async run(ctx) {
    const graceHours = intOption(ctx, 'grace-hours', 24, 0);
    return withCorridor(ctx, async (corridor) => {
      const active = await corridor.ledger.list(
        { states: ['QUEUED', 'RUNNING', 'PUBLISH_PENDING'], limit: 10_000 },
        { signal: ctx.io.signal },
      );
      const done = await listAll(corridor, ['DONE'], ctx.io.signal);
      const report = await collectGarbage(corridor.store, {
        doneRuns: done,
        apply: Boolean(ctx.values.apply),
        graceMs: graceHours * 3600_000,
        activePlanIds: new Set(active.map((r) => r.plan_id).filter((p): p is string => p !== null)),
        clock: systemClock,
        signal: ctx.io.signal,
      });
      const deleted = report.unreferenced.filter((u) => u.deleted).length;
      const eligible = report.unreferenced.filter((u) => u.eligible).length;
      return {
        exitCode: EXIT.OK,
        json: report,
        text: [
          `${report.parts} part(s), ${report.referenced} referenced by ${report.manifests} manifest(s) or in-flight drafts`,
          `${report.unreferenced.length} unreferenced, ${eligible} older than ${graceHours} h${ctx.values.apply ? `, ${deleted} deleted` : ' (dry run: pass --apply to delete)'}`,
          ...report.missing_manifests.map(
            (m) =>
              `  MANIFEST_MISSING: run ${m.run_key} published ${m.manifest_key}; its parts are kept — re-create it: ofs retry-publish ${m.run_key}`,
          ),
          ...report.kept_platform_runs.map((p) => `  kept every part of ${p}: a DONE run's draft receipt is missing`),
          ...report.unreferenced.map((u) => `  ${u.deleted ? 'deleted ' : u.eligible ? 'eligible' : 'too new '} ${u.key}`),
        ],
      };
    });
  },
};

/** `ofs plan <intent.json>`. */
export const planCommand: CliCommand = {
  name: 'plan',
  args: '<intent.json>',
  summary:
    'resolve the plan and replay feasibility without reading any record; with --window, first turn a time window into offsets (written with --out)',
  positionals: { min: 1, max: 1 },
  options: {
    window: {
      type: 'string',
      help: "<topic=…,start=…,end=…[,partitions=a-b]> replace the topic's slices by the offsets whose watermark is in [start, end) (D58)",
    },
    out: { type: 'string', help: '<file> with --window: write the resolved offset intent there (never overwrites)' },
  },
  async run(ctx) {
    let intent = await readJsonArg(ctx, ctx.positionals[0]!, 'intent');
    return withCorridor(ctx, async (corridor) => {
      let window: Awaited<ReturnType<typeof windowedIntent>> | undefined;
      if (typeof ctx.values.window === 'string') {
        window = await windowedIntent(ctx, corridor, intent, ctx.values.window);
        if (!window.intent) return emptyWindow(window.resolution);
        intent = window.intent;
      }
      const answer = await corridor.planOnly(intent, { signal: ctx.io.signal });
      const plan = answer.plan as { plan_id: string; dataset_manifest_id: string; training_posture: string; replay_basis: unknown[] };
      const feas = answer.feasibility as { status: string; slices: { topic: string; partition: number; status: string }[] };
      return {
        exitCode: feas.status === 'INFEASIBLE' ? EXIT.FAILED : EXIT.OK,
        json: window ? { ...answer, time_window: window.resolution, intent } : answer,
        text: [
          ...(window ? describeWindow(window.resolution) : []),
          `plan ${plan.plan_id} → dataset ${plan.dataset_manifest_id} (${plan.training_posture}), stored at ${answer.planKey}`,
          `run-config digest ${answer.runConfigDigest}`,
          `feasibility ${feas.status}`,
          ...feas.slices.map((s) => `  ${s.topic}/${s.partition}: ${s.status}`),
          answer.publishedManifestKey ? `already published: ${answer.publishedManifestKey}` : 'not published yet',
        ],
      };
    });
  },
};

/** Every run of the ledger in `states`, page by page. */
async function listAll(corridor: DefaultCorridor, states: RunState[], signal: AbortSignal): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (;;) {
    const after = out.length > 0 ? out[out.length - 1]!.run_key : undefined;
    const page = await corridor.ledger.list({ states, limit: 10_000, ...(after === undefined ? {} : { after }) }, { signal });
    out.push(...page);
    if (page.length < 10_000) return out;
  }
}
