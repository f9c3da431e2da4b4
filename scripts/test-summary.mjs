// Runs the whole vitest suite and prints the plain closing line `N passed, N failed, N skipped`,
// computed from vitest's JSON reporter. Exits non-zero when any test failed or none ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.vitest-results.json');
rmSync(out, { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: process.env },
);
if (!existsSync(out)) {
  console.log('0 passed, 1 failed');
  console.error(`vitest wrote no results (exit ${run.status})`);
  process.exit(1);
}
const results = JSON.parse(readFileSync(out, 'utf8'));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of results.testResults ?? []) {
  if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') failed++; // a file that failed to load
  for (const t of file.assertionResults ?? []) {
    if (t.status === 'passed') passed++;
    else if (t.status === 'failed') failed++;
    else skipped++;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 || run.status !== 0 ? 1 : 0);
