import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { OfsError, type RunRecord } from '@ofs/contracts';
import { createDefaultCorridor, type DefaultCorridor } from '../../default-corridor.js';
import type { CommandContext } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** Opens the embedded corridor of `--dir` (with `--database-url` if given), runs `fn`, closes it. */
export async function withCorridor<T>(
  ctx: CommandContext,
  fn: (corridor: DefaultCorridor) => Promise<T>,
  extra: { leaseMs?: number } = {},
): Promise<T> {
  const corridor = await createDefaultCorridor({
    dir: ctx.dir,
    ...(ctx.databaseUrl ? { databaseUrl: ctx.databaseUrl } : {}),
    ...(ctx.databaseSchema ? { databaseSchemaPrefix: ctx.databaseSchema } : {}),
    corridor: {
      onProgress: (e) => ctx.progress(`[${e.run_key.slice(0, 8)}] ${e.stage}: ${e.message}`),
      ...(extra.leaseMs === undefined ? {} : { leaseMs: extra.leaseMs }),
    },
  });
  try {
    return await fn(corridor);
  } finally {
    await corridor.close();
  }
}

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

/** The exit code a run's state stands for. */
export function exitForRun(run: RunRecord): ExitCode {
  if (run.state === 'DONE') return EXIT.OK;
  if (run.state === 'FAILED' || run.state === 'CANCELLED') return EXIT.FAILED;
  return EXIT.PENDING;
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
