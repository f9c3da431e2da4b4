import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../cli/commands/index.js';
import { runCli } from '../cli/main.js';

/** Output of one in-process CLI invocation. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: () => any;
}

/** Runs the `ofs` CLI in-process with captured output. */
export async function cli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; invocation?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, COMMANDS, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: new AbortController().signal,
    ...(options.invocation === undefined ? {} : { invocation: options.invocation }),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'ofs-runner-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
