// Writes every record schema as a JSON Schema file under schemas/ and regenerates the error
// catalogue table in README.md (`pnpm --filter @ofs/contracts schemas`).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_SCHEMAS, renderCatalogueTable, toJsonSchemaDocument } from '../src/index.ts';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(pkg, 'schemas');
mkdirSync(out, { recursive: true });
for (const file of readdirSync(out)) if (file.endsWith('.schema.json')) rmSync(join(out, file));
for (const [id, schema] of Object.entries(RECORD_SCHEMAS)) {
  writeFileSync(join(out, `${id}.schema.json`), `${JSON.stringify(toJsonSchemaDocument(id, schema), null, 2)}\n`);
}
const readmePath = join(pkg, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = '<!-- catalogue:start -->';
const end = '<!-- catalogue:end -->';
const next = `${readme.slice(0, readme.indexOf(start) + start.length)}\n${renderCatalogueTable()}\n${readme.slice(readme.indexOf(end))}`;
writeFileSync(readmePath, next);
console.log(`wrote ${Object.keys(RECORD_SCHEMAS).length} schemas to ${out} and the catalogue table to README.md`);
