// The one place that shapes every publishable package's manifest (D77).
//
//   node scripts/package-manifests.mjs --write   # apply the rules to packages/*/package.json
//   node scripts/package-manifests.mjs --check   # exit 1 and list what --write would change (CI)
//
// Idempotent: a second --write changes nothing. It edits values in place and keeps every other
// key where it is, so a branch that adds a dependency merges cleanly; rerun --write after merging
// a branch that adds a package. The rules:
//   - license "Apache-2.0", and a copy of the root LICENSE beside the manifest (npm packs it);
//   - repository (with the package's directory), homepage and bugs point at the real repository;
//   - every exports subpath that has an `import` target also has a `default` target, so Node
//     >= 20.19 resolves `require('@ofs/x')` (require of ESM) as well as `import`;
//   - publishConfig.access "public", engines.node ">=20.19", "type": "module".
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPOSITORY = 'https://github.com/ofs-corridor/ofs-corridor';
const root = resolve(import.meta.dirname, '..');

/** The manifest `pkg` of `packages/<dir>` as the rules want it (a new object; key order kept). */
export function shapeManifest(pkg, dir) {
  const wanted = {
    license: 'Apache-2.0',
    type: 'module',
    engines: { ...(pkg.engines ?? {}), node: '>=20.19' },
    homepage: `${REPOSITORY}/tree/main/packages/${dir}#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${dir}` },
    exports: pkg.exports === undefined ? undefined : withDefaultCondition(pkg.exports),
    publishConfig: { ...(pkg.publishConfig ?? {}), access: 'public' },
  };
  const out = {};
  for (const [key, value] of Object.entries(pkg)) out[key] = key in wanted && wanted[key] !== undefined ? wanted[key] : value;
  // Missing keys: license after description, the links after repository's place (or the end).
  const missing = Object.keys(wanted).filter((k) => wanted[k] !== undefined && !(k in pkg));
  if (missing.length === 0) return out;
  const result = {};
  for (const [key, value] of Object.entries(out)) {
    result[key] = value;
    if (key === 'description' && missing.includes('license')) result.license = wanted.license;
  }
  for (const key of missing) if (!(key in result)) result[key] = wanted[key];
  return result;
}

/** `exports` with a `default` target next to every `import` target (recursively, order kept). */
export function withDefaultCondition(exportsField) {
  if (typeof exportsField === 'string' || exportsField === null || Array.isArray(exportsField)) return exportsField;
  const out = {};
  for (const [key, value] of Object.entries(exportsField)) {
    if (key === 'default' && 'import' in exportsField) continue;
    out[key] = withDefaultCondition(value);
    if (key === 'import' && typeof value === 'string') out.default = value;
  }
  return out;
}

/** Every publishable package directory under packages/ (sorted). */
export function packageDirs() {
  return readdirSync(join(root, 'packages'))
    .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
    .filter((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).private !== true)
    .sort();
}

function main(mode) {
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const drift = [];
  for (const dir of packageDirs()) {
    const file = join(root, 'packages', dir, 'package.json');
    const text = readFileSync(file, 'utf8');
    const next = `${JSON.stringify(shapeManifest(JSON.parse(text), dir), null, 2)}\n`;
    if (next !== text) {
      drift.push(`packages/${dir}/package.json`);
      if (mode === '--write') writeFileSync(file, next);
    }
    const licenseFile = join(root, 'packages', dir, 'LICENSE');
    if (!existsSync(licenseFile) || readFileSync(licenseFile, 'utf8') !== license) {
      drift.push(`packages/${dir}/LICENSE`);
      if (mode === '--write') writeFileSync(licenseFile, license);
    }
  }
  if (mode === '--check' && drift.length > 0) {
    console.error(`package-manifests: ${drift.length} file(s) differ from the rules; run \`node scripts/package-manifests.mjs --write\`:`);
    for (const f of drift) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log(
    mode === '--write' ? `package-manifests: ${drift.length} file(s) written` : 'package-manifests: every manifest follows the rules',
  );
}

const mode = process.argv[2];
if (import.meta.url === `file://${process.argv[1]}`) {
  if (mode !== '--write' && mode !== '--check') {
    console.error('usage: node scripts/package-manifests.mjs --write | --check');
    process.exit(2);
  }
  main(mode);
}
