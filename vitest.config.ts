import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their sources, so `pnpm test` needs no build.
// Each `exports` subpath `./x` of `@ofs/name` maps to `packages/ofs-name/src/x/index.ts`.
const packagesDir = resolve(import.meta.dirname, 'packages');
const alias: { find: string; replacement: string }[] = [];
for (const dir of readdirSync(packagesDir)) {
  const manifest = join(packagesDir, dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: Record<string, unknown> };
  for (const sub of Object.keys(pkg.exports ?? { '.': null })) {
    if (sub === './package.json') continue;
    const entry = sub === '.' ? 'index.ts' : `${sub.slice(2)}/index.ts`;
    const file = join(packagesDir, dir, 'src', entry);
    if (existsSync(file)) alias.push({ find: sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`, replacement: file });
  }
}
// Longest first, so `@ofs/contracts/testing` wins over `@ofs/contracts`.
alias.sort((a, b) => b.find.length - a.find.length);

export default defineConfig({
  resolve: { alias: alias.map((a) => ({ find: new RegExp(`^${a.find.replace(/[/.]/g, '\\$&')}$`), replacement: a.replacement })) },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
