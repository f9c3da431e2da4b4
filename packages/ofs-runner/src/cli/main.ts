import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OfsError } from '@ofs/contracts';
import { COMMON_OPTIONS, type CliCommand, type CliIo, type CliOption, type CommandResult } from './command.js';
import { EXIT, type ExitCode, exitCodeOf } from './exit-codes.js';
import { formatError } from './hints.js';
import { createProgressLine, type ProgressLine, progressMode } from './progress-line.js';

/** Default directory of the embedded corridor, relative to the working directory. */
export const DEFAULT_DIR = '.ofs-demo';

function optionLines(options: Readonly<Record<string, CliOption>>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ' ' + (o.help.match(/^<[^>]+>/)?.[0] ?? '<value>') : ''}`;
    return `  ${flag.padEnd(30)} ${o.help.replace(/^<[^>]+>\s*/, '')}`;
  });
}

/** Usage text of the whole CLI. */
export function renderUsage(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.args}`.length));
  return [
    'Usage: ofs <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command:',
    ...optionLines(COMMON_OPTIONS),
    '',
    'Exit codes: 0 ok, 1 outcome failed (run FAILED, verify differs), 2 usage, 3 input or config invalid,',
    '4 dependency unavailable (retry), 5 not finished (queued, built by another worker, PUBLISH_PENDING),',
    '6 corridor directory locked by another process, 70 internal error, 130 interrupted.',
    'Run `ofs help <command>` for its options.',
  ].join('\n');
}

/** Usage text of one command. */
export function renderCommandUsage(command: CliCommand): string {
  return [
    `Usage: ofs ${command.name} ${command.args}`.trimEnd(),
    '',
    command.summary,
    '',
    ...(Object.keys(command.options).length > 0 ? ['Options:', ...optionLines(command.options), ''] : []),
    'Common options:',
    ...optionLines(COMMON_OPTIONS),
  ].join('\n');
}

function usageError(message: string): OfsError {
  return new OfsError('CLI_ARGUMENT_INVALID', { message });
}

function print(io: CliIo, json: boolean, result: CommandResult): void {
  if (json) io.stdout.write(`${JSON.stringify(result.json, null, 2)}\n`);
  else if (result.text.length > 0) io.stdout.write(`${result.text.join('\n')}\n`);
}

/**
 * Runs the CLI with `argv` (without `node` and the script) against a command table and returns
 * the exit code. Never throws: every error is printed as `CODE: message` plus what to fix.
 */
export async function runCli(argv: readonly string[], commands: readonly CliCommand[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes('--json');
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const target = rest.find((a) => !a.startsWith('-'));
    const command = commands.find((c) => c.name === target);
    io.stdout.write(`${command ? renderCommandUsage(command) : renderUsage(commands)}\n`);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  let line: ProgressLine | undefined;
  try {
    if (!command) throw usageError(`unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')}`);
    const options = { ...COMMON_OPTIONS, ...command.options };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: Object.fromEntries(
          Object.entries(options).map(([k, o]) => [
            k,
            { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
          ]),
        ),
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw usageError(error instanceof Error ? error.message : String(error));
    }
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    if (values.help) {
      io.stdout.write(`${renderCommandUsage(command)}\n`);
      return EXIT.OK;
    }
    const { min, max } = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw usageError(`ofs ${command.name} takes ${min === max ? min : `${min}–${max}`} argument(s): ${command.args || '(none)'}`);
    }
    const dirValue = (values.dir as string | undefined) ?? io.env.OFS_DIR ?? DEFAULT_DIR;
    const dir = isAbsolute(dirValue) ? dirValue : resolve(io.cwd, dirValue);
    line = createProgressLine(io.stderr, {
      mode: progressMode(io.stderr, { quiet: Boolean(values.quiet), json: Boolean(values.json), progress: Boolean(values.progress) }),
    });
    const progress = line;
    const result = await command.run({
      values,
      positionals: parsed.positionals,
      io,
      dir,
      databaseUrl: (values['database-url'] as string | undefined) ?? io.env.OFS_DATABASE_URL ?? undefined,
      databaseSchema: (values['database-schema'] as string | undefined) ?? io.env.OFS_DATABASE_SCHEMA ?? undefined,
      ofs: io.invocation ?? 'ofs',
      progress: (message) => progress.message(message),
      corridorProgress: (e) => {
        if (e.counters) progress.counters(`[${e.run_key.slice(0, 8)}] ${e.stage}`, e.counters);
        else {
          // A stage event: the counters of the stage before it are final; keep them as a line.
          progress.settle();
          progress.message(`[${e.run_key.slice(0, 8)}] ${e.stage}: ${e.message}`);
        }
      },
    });
    line.clear();
    print(io, Boolean(values.json), result);
    // Interrupted before the command could finish (the run was released, not settled): 130.
    if (io.signal.aborted && result.exitCode !== EXIT.OK) return EXIT.INTERRUPTED;
    return result.exitCode;
  } catch (error) {
    line?.clear();
    const code = isUsage(error) ? EXIT.USAGE : exitCodeOf(error);
    if (wantsJson) {
      const body = error instanceof OfsError ? error.toJSON() : { code: 'INTERNAL_ERROR', message: String(error) };
      io.stdout.write(`${JSON.stringify({ error: body, exit_code: code }, null, 2)}\n`);
    }
    io.stderr.write(`${formatError(error)}\n`);
    if (isUsage(error) && command) io.stderr.write(`\n${renderCommandUsage(command)}\n`);
    return code;
  }
}

function isUsage(error: unknown): boolean {
  return error instanceof OfsError && error.code === 'CLI_ARGUMENT_INVALID';
}
