import { isOfsError, systemClock } from '@ofs/contracts';
import { readDataset, readManifest } from '@ofs/publish';
import { collectGarbage } from '../../gc.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { formatError } from '../hints.js';
import { describeManifest } from '../format.js';
import { intOption, manifestKeyArg, readJsonArg, withCorridor } from './shared.js';

/** `ofs verify <manifest>`: re-read every part through `readDataset`. */
export const verifyCommand: CliCommand = {
  name: 'verify',
  args: '<manifest>',
  summary: 're-read every part of a dataset, checking part digests and the rows digest (exit 1 on any difference)',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    return withCorridor(ctx, async (corridor) => {
      const key = manifestKeyArg(ctx, corridor.layout.store, ctx.positionals[0]!);
      const manifest = await readManifest(key, { store: corridor.store, signal: ctx.io.signal });
      let rows = 0;
      try {
        for await (const _row of readDataset(key, { store: corridor.store, signal: ctx.io.signal })) rows++;
      } catch (error) {
        if (!isOfsError(error, 'DATASET_INTEGRITY_VIOLATION')) throw error;
        ctx.io.stderr.write(`${formatError(error)}\n`);
        return {
          exitCode: EXIT.FAILED,
          json: { manifest_key: key, ok: false, rows_read: rows, error: error.toJSON() },
          text: [`verify FAILED: ${key} after ${rows} row(s)`],
        };
      }
      const ok = rows === manifest.rows_total;
      return {
        exitCode: ok ? EXIT.OK : EXIT.FAILED,
        json: {
          manifest_key: key,
          ok,
          rows_read: rows,
          rows_total: manifest.rows_total,
          parts: manifest.parts.length,
          rows_digest: manifest.rows_digest,
        },
        text: [
          ok
            ? `verified ${key}: ${rows} rows in ${manifest.parts.length} part(s); every part digest and the rows digest match`
            : `verify FAILED: ${key} read ${rows} rows, the manifest says ${manifest.rows_total}`,
        ],
      };
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
      const report = await collectGarbage(corridor.store, {
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
  summary: 'resolve the plan and replay feasibility without reading any record',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(ctx) {
    const intent = await readJsonArg(ctx, ctx.positionals[0]!, 'intent');
    return withCorridor(ctx, async (corridor) => {
      const answer = await corridor.planOnly(intent, { signal: ctx.io.signal });
      const plan = answer.plan as { plan_id: string; dataset_manifest_id: string; training_posture: string; replay_basis: unknown[] };
      const feas = answer.feasibility as { status: string; slices: { topic: string; partition: number; status: string }[] };
      return {
        exitCode: feas.status === 'INFEASIBLE' ? EXIT.FAILED : EXIT.OK,
        json: answer,
        text: [
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
