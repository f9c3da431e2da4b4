// Installs the packed packages into two fresh projects and runs an example in each (D78):
//
//   pnpm build && node scripts/consumers-check.mjs [--keep]
//
// 1. `pnpm pack` every package (pnpm rewrites `workspace:^` to real ranges; the check refuses a
//    tarball whose manifest still says `workspace:`, or that lacks LICENSE/README/dist).
// 2. A CommonJS project installs every tarball, including `@ofs/cli` (which brings PGlite and pg),
//    `require()`s every entry point (Node >= 20.19 requires ESM through the `default` condition),
//    and runs the `ofs` bin from the tarball: `ofs demo` on a small sample, then `ofs verify`.
// 3. An ESM project installs every tarball except `@ofs/cli` — so neither PGlite nor pg — imports
//    every entry point, runs an example (canonical JSON without typebox, a write-once object on the
//    filesystem store, a read-only label store) and checks that the embedded corridor names the
//    missing package (`DEPENDENCY_MISSING`) instead of failing obscurely; a consumer .mts file
//    type-checks under node16, nodenext and bundler module resolution.
// Third-party dependencies come from the registry through pnpm's store; only `@ofs/*` are local.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageDirs } from './package-manifests.mjs';

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'ofs-consumers-'));
const started = Date.now();
const step = (text) => console.log(`[consumers ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);

function run(cmd, args, cwd, { expectFailure = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const failed = r.status !== 0;
  if (failed !== expectFailure) {
    console.error(`$ ${cmd} ${args.join(' ')}  (in ${cwd}) exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    throw new Error(`consumers-check: ${cmd} ${args[0] ?? ''} ${expectFailure ? 'succeeded but should have failed' : 'failed'}`);
  }
  return r;
}

function fail(message) {
  throw new Error(`consumers-check: ${message}`);
}

try {
  // ── 1. pack ────────────────────────────────────────────────────────────────
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  // One recursive `pnpm pack` (one process, seconds) rather than one per package.
  run('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', tarballs], root);
  const packages = [];
  for (const dir of packageDirs()) {
    const pkgDir = join(root, 'packages', dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (!existsSync(join(pkgDir, 'dist'))) fail(`${pkg.name} has no dist/: run \`pnpm build\` first`);
    const file = `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
    if (!existsSync(join(tarballs, file))) fail(`pnpm pack wrote no ${file} for ${pkg.name}`);
    const listing = execFileSync('tar', ['-tzf', join(tarballs, file)], { encoding: 'utf8' }).split('\n');
    for (const needed of ['package/package.json', 'package/LICENSE', 'package/README.md']) {
      if (!listing.includes(needed)) fail(`${file} lacks ${needed}`);
    }
    if (!listing.some((f) => f.startsWith('package/dist/'))) fail(`${file} lacks dist/`);
    const packed = execFileSync('tar', ['-xzOf', join(tarballs, file), 'package/package.json'], { encoding: 'utf8' });
    if (packed.includes('workspace:')) fail(`${file}: its package.json still says workspace:`);
    packages.push({ name: pkg.name, exports: Object.keys(pkg.exports ?? {}), tarball: join(tarballs, file) });
  }
  step(`packed ${packages.length} packages`);

  // Every @ofs/* resolves to its tarball, wherever it is depended on.
  const overrides = Object.fromEntries(packages.map((p) => [p.name, `file:${p.tarball}`]));
  const entryPoints = (list) =>
    list.flatMap((p) =>
      p.exports
        // `./testing` needs vitest (an optional peer); `./cli` runs the CLI when loaded.
        .filter((s) => s !== './package.json' && s !== './testing' && s !== './cli')
        .map((s) => (s === '.' ? p.name : `${p.name}/${s.slice(2)}`)),
    );

  function project(name, type, chosen, files) {
    const dir = join(work, name);
    mkdirSync(dir);
    const manifest = {
      name: `ofs-consumer-${name}`,
      private: true,
      type,
      dependencies: Object.fromEntries(chosen.map((p) => [p.name, overrides[p.name]])),
      pnpm: { overrides },
    };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    run('pnpm', ['install', '--no-frozen-lockfile', '--ignore-workspace', '--reporter=silent'], dir);
    return dir;
  }

  // ── 2. CommonJS consumer, with @ofs/cli ───────────────────────────────────────
  const cjsEntries = entryPoints(packages);
  const cjs = project('cjs', 'commonjs', packages, {
    'example.cjs': `'use strict';
const assert = require('node:assert/strict');
const entries = ${JSON.stringify(cjsEntries)};
for (const e of entries) assert.ok(Object.keys(require(e)).length > 0, e + ' exports nothing');
const { canonicalJson, sha256Hex } = require('@ofs/ids');
const base = require('@ofs/ids/base');
const { isOfsError, OfsError } = require('@ofs/contracts');
assert.equal(base.canonicalJson, canonicalJson);
assert.equal(canonicalJson({ b: [1, 'x'], a: null }), '{"a":null,"b":[1,"x"]}');
assert.equal(sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
assert.ok(isOfsError(new OfsError('ABORTED')));
console.log('cjs: required ' + entries.length + ' entry points; canonicalJson and sha256Hex agree');
`,
  });
  run('node', ['example.cjs'], cjs);
  step('CommonJS consumer: every entry point require()s');
  const corridor = join(work, 'corridor');
  const ofs = join(cjs, 'node_modules', '.bin', 'ofs');
  const demo = run(ofs, ['demo', '--dir', corridor, '--events', '300'], cjs);
  const manifest = /manifest\s+(\S+\.json)/.exec(demo.stdout)?.[1];
  if (!manifest) fail(`ofs demo printed no manifest key:\n${demo.stdout}`);
  run(ofs, ['verify', manifest, '--dir', corridor], cjs);
  step(`CommonJS consumer: the packed ofs bin ran the demo and verified ${manifest}`);

  // ── 3. ESM consumer, without @ofs/cli (so without PGlite and pg) ──────────────────────
  const lean = packages.filter((p) => p.name !== '@ofs/cli');
  const esm = project('esm', 'module', lean, {
    'example.mjs': `import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const entries = ${JSON.stringify(entryPoints(lean))};
for (const e of entries) {
  const mod = await import(e, e.endsWith('.json') ? { with: { type: 'json' } } : undefined);
  assert.ok(Object.keys(mod).length > 0, e + ' exports nothing');
}
const { canonicalJson, sha256Hex } = await import('@ofs/ids/base');
const { writeOnceJson } = await import('@ofs/ids');
const { createFsObjectStore } = await import('@ofs/fs');
const { canAppendLabels, isOfsError } = await import('@ofs/contracts');
const { createMemoryLabelStore, readOnlyLabelStore } = await import('@ofs/labels');
const store = createFsObjectStore({ root: await mkdtemp(join(tmpdir(), 'ofs-esm-')) });
const doc = { id: 'x', digest: sha256Hex(new TextEncoder().encode(canonicalJson({ a: 1 }))) };
await writeOnceJson(store, 'run_1/doc.json', doc);
assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.get('run_1/doc.json'))), doc);
const labels = createMemoryLabelStore();
assert.equal(canAppendLabels(labels), true);
assert.equal(canAppendLabels(readOnlyLabelStore(labels)), false);
for (const name of ['@electric-sql/pglite', 'pg']) {
  await assert.rejects(import(name), (e) => e.code === 'ERR_MODULE_NOT_FOUND', name + ' should not be installed');
}
assert.ok(isOfsError);
console.log('esm: imported ' + entries.length + ' entry points; wrote and read a write-once object; PGlite and pg absent');
`,
    'ofs.mjs': `import '@ofs/runner/cli';\n`,
    // Type-checked as a consumer would, under node16, nodenext and bundler resolution (no @types/node).
    'check.mts': `import { canonicalJson, sha256Hex } from '@ofs/ids/base';
import { OfsError, isOfsError } from '@ofs/contracts/base';
import { canAppendLabels, type LabelStore, type ObjectStore } from '@ofs/contracts';
import { readOnlyLabelStore } from '@ofs/labels';
import type { Corridor } from '@ofs/runner';
export const digest: string = sha256Hex(new TextEncoder().encode(canonicalJson({ a: 1 })));
export const error: boolean = isOfsError(new OfsError('DEPENDENCY_MISSING'), 'DEPENDENCY_MISSING');
export const readOnly = (s: LabelStore): boolean => canAppendLabels(readOnlyLabelStore(s));
export type Ports = { store: ObjectStore; corridor: Corridor };
`,
  });
  run('node', ['example.mjs'], esm);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [module, resolution] of [
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['esnext', 'bundler'],
  ]) {
    const compilerOptions = {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: [],
      lib: ['es2022', 'dom'],
      target: 'es2022',
      module,
      moduleResolution: resolution,
    };
    writeFileSync(join(esm, `tsconfig.${resolution}.json`), JSON.stringify({ compilerOptions, files: ['check.mts'] }));
    run('node', [tsc, '-p', `tsconfig.${resolution}.json`], esm);
  }
  step('ESM consumer: types resolve under node16, nodenext and bundler');
  const missing = run('node', ['ofs.mjs', 'report', '--dir', corridor], esm, { expectFailure: true });
  if (!/DEPENDENCY_MISSING/.test(missing.stderr) || !missing.stderr.includes('@electric-sql/pglite')) {
    fail(`the runner without PGlite should name it in DEPENDENCY_MISSING; stderr was:\n${missing.stderr}`);
  }
  step('ESM consumer: every entry point imports; the embedded corridor names the missing @electric-sql/pglite');
  console.log(`consumers-check: passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
