import type { CorridorProgress } from '../corridor-types.js';
import type { ExitCode } from './exit-codes.js';

/** One option of a command, as `node:util` `parseArgs` takes it, plus its help text. */
export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** Help text; a value placeholder goes first in angle brackets, e.g. `<n> events to generate`. */
  readonly help: string;
}

/** Where a command writes and what it can read from its host. */
export interface CliIo {
  /** Machine-readable output (the `--json` document) and the human summary. */
  readonly stdout: { write(text: string): unknown };
  /** Progress and errors. */
  readonly stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Environment variables (`OFS_DIR`, `OFS_DATABASE_URL`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths resolve against. */
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** The command prefix that runs this CLI as the user did (`pnpm -s ofs`, `ofs`; see `invocationOf`); default `ofs`. */
  readonly invocation?: string;
}

/** What a command hands to the CLI: its exit code, the JSON document and the human lines. */
export interface CommandResult {
  readonly exitCode: ExitCode;
  /** Printed as one JSON document with `--json`. */
  readonly json: unknown;
  /** Printed line by line without `--json`. */
  readonly text: readonly string[];
}

/** What a command receives: parsed values and positionals, the I/O, and a progress reporter. */
export interface CommandContext {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  readonly io: CliIo;
  /** The corridor directory (`--dir`, `$OFS_DIR`, else `.ofs-demo`), absolute. */
  readonly dir: string;
  /** A PostgreSQL server URL (`--database-url`, `$OFS_DATABASE_URL`) instead of embedded PGlite. */
  readonly databaseUrl: string | undefined;
  /** Prefix of the PostgreSQL schemas (`--database-schema`, `$OFS_DATABASE_SCHEMA`, else `ofs`). */
  readonly databaseSchema: string | undefined;
  /** The command prefix printed in next steps (`ofs`, `pnpm -s ofs`, `node …/cli.js`). */
  readonly ofs: string;
  /** Writes a progress line to stderr (only when stderr is a TTY, or with `--progress`). */
  progress(message: string): void;
  /** Renders a corridor progress event: stage lines, and running counters on one updating line (TTY). */
  corridorProgress(event: CorridorProgress): void;
}

/**
 * One entry of the CLI's command table. Commands are data: another package adds one (e.g.
 * `report` from `@ofs/observe`) by adding an entry to `COMMANDS` in `commands/index.ts`.
 */
export interface CliCommand {
  readonly name: string;
  /** One line for `ofs help`. */
  readonly summary: string;
  /** Positional arguments, e.g. `<intent.json>`. */
  readonly args: string;
  /** Command-specific options (the common ones are added by the CLI). */
  readonly options: Readonly<Record<string, CliOption>>;
  /** Number of required positionals (more is a usage error too). */
  readonly positionals: { readonly min: number; readonly max: number };
  run(context: CommandContext): Promise<CommandResult>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Readonly<Record<string, CliOption>> = {
  dir: { type: 'string', help: '<dir> embedded corridor directory (default $OFS_DIR or ./.ofs-demo)' },
  'database-url': { type: 'string', help: '<url> PostgreSQL server for ledger and labels instead of PGlite (default $OFS_DATABASE_URL)' },
  'database-schema': {
    type: 'string',
    help: '<prefix> PostgreSQL schema prefix: <prefix>_ledger, <prefix>_labels (default $OFS_DATABASE_SCHEMA or ofs)',
  },
  json: { type: 'boolean', help: 'print one JSON document on stdout (for scripts)' },
  progress: { type: 'boolean', help: 'print progress on stderr even when it is not a TTY' },
  quiet: { type: 'boolean', short: 'q', help: 'no progress output' },
  help: { type: 'boolean', short: 'h', help: 'show usage of the command' },
};
