// Browser bundle size of `canonicalJson` alone (D80): esbuild, minified, platform browser, from the
// built packages (`pnpm turbo run build --filter @ofs/ids...` first). Writes bench/results/bundle.md.
//   node bench/bundle-size.mjs
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, version } from 'esbuild';

const root = join(import.meta.dirname, '..');
const LIMIT = 20 * 1024;
// "Before" is rebuilt in the same run: the same dist with `@ofs/contracts/base` redirected to the
// full `@ofs/contracts` entry, which is what `@ofs/ids` imported before D80.
const asBefore = {
  name: 'contracts-base-as-full-entry',
  setup(b) {
    b.onResolve({ filter: /^@ofs\/contracts\/base$/ }, () => ({ path: join(root, 'packages', 'ofs-contracts', 'dist', 'index.js') }));
  },
};
const cases = [
  { name: 'before: canonicalJson from @ofs/ids, importing the full @ofs/contracts', from: '@ofs/ids', plugins: [asBefore], baseline: true },
  { name: 'canonicalJson from @ofs/ids (full entry)', from: '@ofs/ids' },
  { name: 'canonicalJson from @ofs/ids/base', from: '@ofs/ids/base' },
  {
    name: 'canonicalJson + sha256Hex + envelopeHash from @ofs/ids/base',
    from: '@ofs/ids/base',
    names: 'canonicalJson, sha256Hex, envelopeHash',
  },
];

async function measure({ from, names = 'canonicalJson', plugins = [] }) {
  const result = await build({
    stdin: { contents: `import { ${names} } from '${from}';\nconsole.log(${names});\n`, resolveDir: root, sourcefile: 'entry.mjs' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    metafile: true,
    plugins,
  });
  const bytes = result.outputFiles[0].contents;
  const inputs = Object.keys(result.metafile.inputs);
  const output = Object.values(result.metafile.outputs)[0];
  const typebox = Object.entries(output.inputs).some(([file, info]) => file.includes('/typebox/') && info.bytesInOutput > 0);
  return { bytes: bytes.length, gzip: gzipSync(bytes).length, typebox, inputs: inputs.length };
}

const rows = [];
for (const c of cases) rows.push({ ...c, ...(await measure(c)) });
const baseline = rows.find((r) => r.baseline);
const lines = [
  '# Browser bundle of canonicalJson',
  '',
  `esbuild ${version}, \`--bundle --minify --platform=browser --format=esm\`, built packages; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (sizes do not depend on load). Limit: ${LIMIT} bytes minified (issue 19).`,
  '',
  '| bundle | minified bytes | gzip bytes | typebox inside | ratio to before | within limit |',
  '| --- | ---: | ---: | --- | ---: | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.bytes} | ${r.gzip} | ${r.typebox ? 'yes' : 'no'} | ${(r.bytes / baseline.bytes).toFixed(3)} | ${r.bytes <= LIMIT ? 'yes' : 'no'} |`,
  ),
  '',
  'The first row is the state before D80 (`@ofs/ids` importing `OfsError` from the full `@ofs/contracts`,',
  'whose module-level TypeBox schemas cannot be tree-shaken); the others are after it. "typebox inside"',
  'counts only modules that kept bytes in the output.',
  '',
];
writeFileSync(join(root, 'bench', 'results', 'bundle.md'), lines.join('\n'));
console.log(lines.join('\n'));
const over = rows.filter((r) => !r.baseline && r.bytes > LIMIT);
if (over.length > 0) {
  console.error(`over the ${LIMIT}-byte limit: ${over.map((r) => r.name).join(', ')}`);
  process.exit(1);
}
