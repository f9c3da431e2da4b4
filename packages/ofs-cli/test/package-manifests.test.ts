// The packaging rules of scripts/package-manifests.mjs (D77), run as part of `pnpm test`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { packageDirs, REPOSITORY, shapeManifest, withDefaultCondition } from '../../../scripts/package-manifests.mjs';

const root = resolve(import.meta.dirname, '../../..');

describe('package manifests', () => {
  it('every package follows the rules (what `--check` enforces in CI)', () => {
    for (const dir of packageDirs() as string[]) {
      const text = readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8');
      expect(`${JSON.stringify(shapeManifest(JSON.parse(text), dir), null, 2)}\n`, dir).toBe(text);
      expect(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8'), dir).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    }
  });

  it('adds a default target next to every import target, keeping the order of keys', () => {
    const exportsMap = {
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './testing': { types: './dist/testing/index.d.ts', import: './dist/testing/index.js', default: './old.js' },
      './package.json': './package.json',
    };
    expect(withDefaultCondition(exportsMap)).toEqual({
      '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' },
      './testing': { types: './dist/testing/index.d.ts', import: './dist/testing/index.js', default: './dist/testing/index.js' },
      './package.json': './package.json',
    });
    expect(Object.keys(withDefaultCondition(exportsMap)['.'])).toEqual(['types', 'import', 'default']);
  });

  it('fixes the links and license of a new package, and a second pass changes nothing', () => {
    const fresh = {
      name: '@ofs/new',
      version: '0.0.0',
      description: 'x',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      dependencies: { '@ofs/contracts': 'workspace:^' },
      repository: { type: 'git', url: 'git+https://example.invalid/x.git' },
    };
    const once = shapeManifest(fresh, 'ofs-new');
    expect(once.license).toBe('Apache-2.0');
    expect(Object.keys(once).slice(0, 4)).toEqual(['name', 'version', 'description', 'license']);
    expect(once.repository).toEqual({ type: 'git', url: `git+${REPOSITORY}.git`, directory: 'packages/ofs-new' });
    expect(once.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    expect(once.homepage).toBe(`${REPOSITORY}/tree/main/packages/ofs-new#readme`);
    expect(once.exports['.'].default).toBe('./dist/index.js');
    expect(once.dependencies).toEqual(fresh.dependencies);
    expect(JSON.stringify(shapeManifest(once, 'ofs-new'))).toBe(JSON.stringify(once));
  });
});
