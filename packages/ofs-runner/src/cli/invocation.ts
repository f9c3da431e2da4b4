import { basename, isAbsolute, relative } from 'node:path';

/** How this process was started, as far as the printed next steps need it. */
export interface InvocationInput {
  /** Environment: pnpm/npm set `npm_lifecycle_event` when a package script runs the CLI. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `process.argv[1]`: the script node runs (`…/.bin/ofs`, `…/dist/cli.js`). */
  readonly script: string | undefined;
  /** The working directory. */
  readonly cwd: string;
}

/**
 * The command prefix that runs this CLI again the way the user started it, so printed `next:` lines
 * work as printed: `pnpm -s ofs` when a workspace script started it (`pnpm demo`, `pnpm ofs …`;
 * `-s` keeps pnpm's banner off stdout so `--json` output parses) with a pnpm of the user's own,
 * `ofs` from an installed bin, else — also when pnpm itself came from `npx -y pnpm@…` and is not
 * on the user's PATH — `node <path to cli.js>` (relative to the working directory).
 *
 * @example
 * invocationOf({ env: { npm_lifecycle_event: 'demo' }, script: '/repo/packages/ofs-runner/dist/cli.js', cwd: '/repo' });
 * // 'pnpm -s ofs'
 */
export function invocationOf(input: InvocationInput): string {
  const event = input.env.npm_lifecycle_event;
  const script = input.script;
  // A pnpm fetched by `npx -y pnpm@…` is not on the user's PATH: print the form that needs Node only.
  const viaNpx = /[\\/]_npx[\\/]/.test(input.env.npm_execpath ?? '');
  if ((event === 'demo' || event === 'ofs') && !viaNpx) return 'pnpm -s ofs';
  if (script === undefined || basename(script) === 'ofs') return 'ofs';
  const rel = relative(input.cwd, script);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? script : rel;
  return `node ${/\s/.test(shown) ? JSON.stringify(shown) : shown}`;
}
