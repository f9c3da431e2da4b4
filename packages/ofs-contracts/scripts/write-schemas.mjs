// Writes every record schema as a JSON Schema file under schemas/ (run after `pnpm build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_SCHEMAS, toJsonSchemaDocument } from '../dist/index.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
mkdirSync(out, { recursive: true });
for (const [id, schema] of Object.entries(RECORD_SCHEMAS)) {
  writeFileSync(join(out, `${id}.schema.json`), `${JSON.stringify(toJsonSchemaDocument(id, schema), null, 2)}\n`);
}
console.log(`wrote ${Object.keys(RECORD_SCHEMAS).length} schemas to ${out}`);
