// Runs publint on every workspace package (after `pnpm build`); fails on any error or warning.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { readFileSync } from 'node:fs';

const packagesDir = join(import.meta.dirname, '..', 'packages');
let problems = 0;
for (const dir of readdirSync(packagesDir).sort()) {
  const pkgDir = join(packagesDir, dir);
  if (!existsSync(join(pkgDir, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const { messages } = await publint({ pkgDir, level: 'warning', strict: true });
  for (const m of messages) {
    problems++;
    console.log(`${pkg.name}: [${m.type}] ${formatMessage(m, pkg) ?? m.code}`);
  }
}
if (problems > 0) {
  console.error(`publint: ${problems} problem(s)`);
  process.exit(1);
}
console.log('publint: every package is clean');
