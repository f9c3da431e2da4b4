import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * This code release, `@ofs/runner@<version>`, read from the package's own `package.json` (one
 * level above both `src/` and `dist/`). Intents must pin it as `ofs_code_release_id`.
 */
export function runnerCodeRelease(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    cached = `${pkg.name}@${pkg.version}`;
  }
  return cached;
}
