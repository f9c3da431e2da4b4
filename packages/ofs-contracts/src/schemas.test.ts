import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCatalogueTable } from './catalogue-table.js';
import { OFS_ERROR_CATALOGUE, OFS_ERROR_CODES } from './catalogue.js';
import { isOfsError, OfsError } from './errors.js';
import { RECORD_SCHEMAS, toJsonSchemaDocument } from './schemas.js';

const pkg = join(import.meta.dirname, '..');
const regenerate = 'run `pnpm --filter @ofs/contracts schemas`';

describe('committed JSON Schema files', () => {
  it(`are up to date (${regenerate})`, () => {
    const files = readdirSync(join(pkg, 'schemas'))
      .filter((f) => f.endsWith('.schema.json'))
      .sort();
    expect(files).toEqual(
      Object.keys(RECORD_SCHEMAS)
        .map((id) => `${id}.schema.json`)
        .sort(),
    );
    for (const [id, schema] of Object.entries(RECORD_SCHEMAS)) {
      const committed = JSON.parse(readFileSync(join(pkg, 'schemas', `${id}.schema.json`), 'utf8'));
      expect(committed, `${id} is stale: ${regenerate}`).toEqual(toJsonSchemaDocument(id, schema));
    }
  });
});

describe('error catalogue', () => {
  it(`is rendered into the README (${regenerate})`, () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    expect(readme).toContain(renderCatalogueTable());
  });

  it('gives every code a stage, retryability and meaning, and OfsError takes them', () => {
    for (const code of OFS_ERROR_CODES) {
      const info = OFS_ERROR_CATALOGUE[code];
      expect(info.meaning.length).toBeGreaterThan(10);
      const error = new OfsError(code);
      expect(error.retryable).toBe(info.retryable);
      expect(isOfsError(error, code)).toBe(true);
      expect(String(error)).toBe(`${code}: ${info.meaning}`);
    }
  });

  it('recognises an OfsError from another copy of the package by shape', () => {
    const foreign = Object.assign(new Error('x'), { name: 'OfsError', code: 'LEASE_LOST', retryable: false });
    expect(isOfsError(foreign, 'LEASE_LOST')).toBe(true);
    expect(isOfsError(new Error('x'))).toBe(false);
  });
});
