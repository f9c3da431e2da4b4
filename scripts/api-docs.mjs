// The API reference in docs/api/, generated from the TSDoc of every package's public entry points
// with typedoc (pinned) and typedoc-plugin-markdown (D83):
//
//   node scripts/api-docs.mjs --write   # regenerate docs/api/
//   node scripts/api-docs.mjs --check   # regenerate into a temp dir and fail on any difference (CI)
//
// Entry points come from each package's `exports` map (`.` → src/index.ts, `./x` → src/x/index.ts;
// `./testing` included, `./cli` is a bin and has no API), so a new package is covered by rerunning
// --write. Deterministic: no source links, no git revision, no dates, sorted members. Fails on an
// exported symbol that an entry point references but does not export (`notExported`) and on a
// broken `{@link}` (`invalidLink`). Runs on the sources (no build needed): `@ofs/*` imports are
// mapped to their sources through compiler `paths`.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Application, Converter, LogLevel } from 'typedoc';
import { packageDirs } from './package-manifests.mjs';

const root = resolve(import.meta.dirname, '..');
const target = join(root, 'docs', 'api');

/** Entry points and `paths` from the exports maps. */
function entries() {
  const entryPoints = [];
  const paths = {};
  /** typedoc's module name (the entry's directory) → the import specifier. */
  const names = {};
  for (const dir of packageDirs()) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    for (const sub of Object.keys(pkg.exports ?? {})) {
      if (sub === './package.json' || sub === './cli') continue;
      const file = join(root, 'packages', dir, 'src', sub === '.' ? 'index.ts' : `${sub.slice(2)}/index.ts`);
      if (!existsSync(file)) continue;
      entryPoints.push(file);
      const specifier = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
      paths[specifier] = [relative(root, file)];
      names[sub === '.' ? `${dir}/src` : `${dir}/src/${sub.slice(2)}`] = specifier;
    }
  }
  return { entryPoints, paths, names };
}

async function generate(out) {
  const { entryPoints, paths, names } = entries();
  const app = await Application.bootstrapWithPlugins({
    entryPoints,
    entryPointStrategy: 'resolve',
    tsconfig: join(root, 'tsconfig.docs.json'),
    compilerOptions: { baseUrl: root, paths, rootDir: root, noEmit: true },
    plugin: ['typedoc-plugin-markdown'],
    out,
    readme: 'none',
    name: 'OFS corridor API',
    disableSources: true,
    disableGit: true,
    sourceLinkTemplate: '',
    gitRevision: '',
    hideGenerator: true,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    excludeNotDocumented: false,
    sort: ['kind', 'alphabetical'],
    validation: { notExported: true, invalidLink: true, notDocumented: false },
    treatWarningsAsErrors: true,
    logLevel: LogLevel.Warn,
    // markdown plugin: one file per module and per symbol kind group, stable names.
    outputFileStrategy: 'modules',
    entryFileName: 'README.md',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    // Explicit <a id> anchors: the plugin's own ids, so same-named symbols link unambiguously.
    useHTMLAnchors: true,
  });
  // Modules are named by their import specifier (`@ofs/contracts/testing`), not their directory.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.children ?? []) {
      const name = names[mod.name];
      if (name === undefined) throw new Error(`api-docs: no import specifier for the module ${mod.name}`);
      mod.name = name;
    }
  });
  const project = await app.convert();
  if (!project) throw new Error('api-docs: typedoc could not convert the project (see the messages above)');
  app.validate(project);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) throw new Error('api-docs: typedoc reported problems (see above)');
  await app.generateOutputs(project);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) throw new Error('api-docs: typedoc reported problems (see above)');
}

/** GitHub-style anchor of a markdown heading, as typedoc-plugin-markdown writes it. */
function slug(heading) {
  return heading
    .replace(/\\(.)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^a-z0-9_-]/g, '');
}

/** Relative links in `dir` whose file or `#anchor` does not exist. */
function brokenLinks(dir) {
  const anchors = new Map();
  const anchorsOf = (file) => {
    if (!anchors.has(file)) {
      const set = new Set();
      const counts = new Map();
      for (const m of readFileSync(file, 'utf8').matchAll(/<a (?:id|name)="([^"]+)"/g)) set.add(m[1]);
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = /^#{1,6}\s+(.*)$/.exec(line);
        if (!m) continue;
        const base = slug(m[1]);
        const n = counts.get(base) ?? 0;
        counts.set(base, n + 1);
        set.add(n === 0 ? base : `${base}-${n}`);
      }
      anchors.set(file, set);
    }
    return anchors.get(file);
  };
  const broken = [];
  for (const f of listFiles(dir)) {
    const file = join(dir, f);
    for (const m of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1];
      if (/^[a-z]+:/.test(link)) continue;
      const [path, anchor] = link.split('#');
      const targetFile = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(targetFile)) broken.push(`${f}: ${link} (no such file)`);
      else if (anchor && !anchorsOf(targetFile).has(anchor)) broken.push(`${f}: ${link} (no such heading)`);
    }
  }
  return broken;
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? listFiles(join(dir, f), base) : [relative(base, join(dir, f))]))
    .sort();
}

const mode = process.argv[2];
if (mode !== '--write' && mode !== '--check') {
  console.error('usage: node scripts/api-docs.mjs --write | --check');
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'ofs-api-docs-'));
try {
  const out = join(tmp, 'api');
  await generate(out);
  const fresh = listFiles(out);
  const broken = brokenLinks(out);
  if (broken.length > 0) {
    console.error(`api-docs: ${broken.length} broken link(s):`);
    for (const b of broken.slice(0, 30)) console.error(`  ${b}`);
    process.exit(1);
  }
  if (mode === '--write') {
    rmSync(target, { recursive: true, force: true });
    cpSync(out, target, { recursive: true });
    console.log(`api-docs: wrote ${fresh.length} files to docs/api/`);
  } else {
    const current = listFiles(target);
    const differ = [
      ...fresh.filter((f) => !current.includes(f) || !readFileSync(join(out, f)).equals(readFileSync(join(target, f)))),
      ...current.filter((f) => !fresh.includes(f)),
    ];
    if (differ.length > 0) {
      console.error(`api-docs: docs/api/ is stale in ${differ.length} file(s); run \`node scripts/api-docs.mjs --write\`:`);
      for (const f of differ.slice(0, 30)) console.error(`  docs/api/${f}`);
      process.exit(1);
    }
    console.log(`api-docs: docs/api/ is fresh (${fresh.length} files)`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
