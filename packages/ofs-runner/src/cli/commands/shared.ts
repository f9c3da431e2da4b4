import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isOfsErrorCode, OFS_ERROR_CATALOGUE, OfsError, type RunRecord } from '@ofs/contracts';
import { createDefaultCorridor, type DefaultCorridor } from '../../default-corridor.js';
import type { CommandContext } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { fixHint } from '../hints.js';

/** Opens the embedded corridor of `--dir` (with `--database-url` if given), runs `fn`, closes it. */
export async function withCorridor<T>(
  ctx: CommandContext,
  fn: (corridor: DefaultCorridor) => Promise<T>,
  extra: { leaseMs?: number } = {},
): Promise<T> {
  const threads = ctx.values.threads === undefined ? undefined : intOption(ctx, 'threads', 1);
  const corridor = await createDefaultCorridor({
    dir: ctx.dir,
    ...(ctx.databaseUrl ? { databaseUrl: ctx.databaseUrl } : {}),
    ...(ctx.databaseSchema ? { databaseSchemaPrefix: ctx.databaseSchema } : {}),
    corridor: {
      onProgress: (e) => ctx.corridorProgress(e),
      ...(extra.leaseMs === undefined ? {} : { leaseMs: extra.leaseMs }),
      ...(threads === undefined ? {} : { threads }),
      ...(ctx.values.shards ? { fanOut: true } : {}),
    },
  });
  try {
    return await fn(corridor);
  } finally {
    await corridor.close();
  }
}

/** `--threads N`, accepted by the commands that build (`build`, `demo`, `worker`). */
export const THREADS_OPTION = {
  type: 'string',
  help: '<n> worker threads for reconstruction (default 1); any count gives the same bytes',
} as const;

/** `--shards`, accepted by `build` and `worker` on a PostgreSQL server. */
export const SHARDS_OPTION = {
  type: 'boolean',
  help: 'fan each run out into shard tasks (one per topic partition) that every `ofs worker` on this --database-url builds; the same bytes',
} as const;

/** Reads a JSON file named on the command line (relative to the working directory). */
export async function readJsonArg(ctx: CommandContext, path: string, what: string): Promise<unknown> {
  const file = isAbsolute(path) ? path : resolve(ctx.io.cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new OfsError('CLI_ARGUMENT_INVALID', { message: `cannot read ${what} ${file}: ${(error as Error).message}` });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new OfsError('SCHEMA_INVALID', { message: `${what} ${file} is not JSON` });
  }
}

/**
 * A manifest argument as a store key: an existing file inside the corridor's store directory, or
 * else a store key (`{platform_run_id}/ofs/manifests/dm_….json`).
 */
export function manifestKeyArg(ctx: CommandContext, storeRoot: string, arg: string): string {
  const file = isAbsolute(arg) ? arg : resolve(ctx.io.cwd, arg);
  if (!existsSync(file)) return arg;
  const rel = relative(storeRoot, file);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new OfsError('CLI_ARGUMENT_INVALID', { message: `${arg} is a file outside the corridor store ${storeRoot}` });
  }
  return rel.split(sep).join('/');
}

/**
 * The exit code a run's state stands for: DONE 0; FAILED because the intent or configuration is
 * invalid (a code of stage `intent` or `plan`, as `ofs plan` reports it) 3; otherwise FAILED or
 * CANCELLED 1; not finished 5.
 */
export function exitForRun(run: RunRecord): ExitCode {
  if (run.state === 'DONE') return EXIT.OK;
  if (run.state === 'FAILED' || run.state === 'CANCELLED') {
    const code = run.last_error?.code;
    if (code !== undefined && isOfsErrorCode(code)) {
      const stage = OFS_ERROR_CATALOGUE[code].stage;
      if (stage === 'intent' || stage === 'plan') return EXIT.INPUT;
    }
    return EXIT.FAILED;
  }
  return EXIT.PENDING;
}

/**
 * The exit code of a run (`exitForRun`), after printing on stderr what to do when it did not end
 * DONE: the last error as `CODE: message` plus its `fix:` line, or how to finish a pending run.
 */
export function settleRun(ctx: CommandContext, run: RunRecord): ExitCode {
  const exit = exitForRun(run);
  if (exit === EXIT.OK) return exit;
  if ((run.state === 'FAILED' || run.state === 'CANCELLED') && run.last_error && isOfsErrorCode(run.last_error.code)) {
    ctx.io.stderr.write(
      `${run.last_error.code}: run ${run.run_key} ${run.state}${run.last_error.stage ? ` in ${run.last_error.stage}` : ''}: ${run.last_error.message}\n` +
        `  fix: ${fixHint(run.last_error.code)}\n`,
    );
  } else if (run.state === 'PUBLISH_PENDING') {
    ctx.io.stderr.write(
      `run ${run.run_key} is PUBLISH_PENDING${run.last_error ? ` after ${run.last_error.code}` : ''}\n` +
        `  fix: once the store is healthy, run \`${ctx.ofs} retry-publish ${run.run_key}\` (a worker also retries it).\n`,
    );
  } else if (run.state === 'RUNNING' && run.lease) {
    const waitS = Math.max(0, Math.ceil((run.lease.expires_at_ms - Date.now()) / 1000));
    ctx.io.stderr.write(
      `run ${run.run_key} is RUNNING under ${run.lease.worker}'s lease until ${new Date(run.lease.expires_at_ms).toISOString()} (${waitS} s from now)\n` +
        `  fix: ${fixHint('RUN_LEASE_HELD')}\n`,
    );
  } else if (run.state === 'QUEUED' || run.state === 'RUNNING') {
    ctx.io.stderr.write(
      `run ${run.run_key} is ${run.state}\n  fix: run \`${ctx.ofs} worker --once\` (or \`${ctx.ofs} build\` again) to finish it; follow it with \`${ctx.ofs} status ${run.run_key}\`.\n`,
    );
  }
  return exit;
}

/** A positive integer option. */
export function intOption(ctx: CommandContext, name: string, fallback: number, min = 1): number {
  const raw = ctx.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new OfsError('CLI_ARGUMENT_INVALID', { message: `--${name} must be an integer ≥ ${min}, got ${String(raw)}` });
  }
  return n;
}
