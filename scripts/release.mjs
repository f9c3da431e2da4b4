// `pnpm release [--dry-run] [--no-build]` (D79):
//   1. `changeset version`: applies the pending changesets — bumps versions (internal dependents
//      too) and writes each package's CHANGELOG.md;
//   2. `pnpm build` (turbo), unless --no-build (CI has just built the same sources);
//   3. `node scripts/package-manifests.mjs --check` (manifests follow the rules);
//   4. `pnpm publish -r` (pnpm rewrites `workspace:^` to the new versions).
// With --dry-run, step 4 is `pnpm publish -r --dry-run` and, afterwards, every file step 1 changed
// is restored byte for byte (new CHANGELOGs removed, consumed changesets put back), so the tree
// is as before; the CHANGELOG excerpts that would be released are printed. CI runs
// `pnpm release --dry-run --no-build` on every change.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageDirs } from './package-manifests.mjs';

const root = resolve(import.meta.dirname, '..');
const dryRun = process.argv.includes('--dry-run');
const build = !process.argv.includes('--no-build');

function sh(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`release: ${cmd} ${args.join(' ')} exited ${r.status}`);
}

/** Every file `changeset version` may write or delete: manifests, CHANGELOGs, changesets. */
function snapshot() {
  const files = new Map();
  const keep = (file) => files.set(file, existsSync(file) ? readFileSync(file) : undefined);
  for (const dir of packageDirs()) {
    keep(join(root, 'packages', dir, 'package.json'));
    keep(join(root, 'packages', dir, 'CHANGELOG.md'));
  }
  const changesets = join(root, '.changeset');
  for (const f of readdirSync(changesets)) keep(join(changesets, f));
  keep(join(root, 'pnpm-lock.yaml'));
  return files;
}

function restore(files) {
  for (const [file, bytes] of files) {
    if (bytes === undefined) rmSync(file, { force: true });
    else writeFileSync(file, bytes);
  }
}

const before = dryRun ? snapshot() : undefined;
try {
  const pending = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  console.log(`release${dryRun ? ' (dry run)' : ''}: ${pending.length} pending changeset(s)`);
  sh('pnpm', ['exec', 'changeset', 'version']);
  if (dryRun && before) {
    for (const dir of packageDirs()) {
      const file = join(root, 'packages', dir, 'CHANGELOG.md');
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      if (text === before.get(file)?.toString('utf8')) continue;
      const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
      const section = text.split('\n## ')[1] ?? '';
      console.log(`\n--- ${pkg.name}@${pkg.version} CHANGELOG (first lines) ---\n## ${section.split('\n').slice(0, 8).join('\n')}`);
    }
  }
  if (build) sh('pnpm', ['build']);
  sh('node', ['scripts/package-manifests.mjs', '--check']);
  sh('pnpm', ['publish', '-r', '--access', 'public', ...(dryRun ? ['--dry-run', '--no-git-checks'] : [])]);
  console.log(dryRun ? 'release --dry-run: passed (nothing published; the tree is restored)' : 'release: published');
} finally {
  if (before) restore(before);
}
