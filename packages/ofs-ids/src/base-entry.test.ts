import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const contractsSrc = resolve(here, '../../ofs-contracts/src');

/** Every bare specifier reachable from `entry` through relative imports (type-only imports skipped). */
function bareImports(entry: string): string[] {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
      const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
      if (typeOnly) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
    }
  };
  visit(entry);
  return [...bare].sort();
}

describe('@ofs/ids/base', () => {
  it('reaches only @ofs/contracts/base and @noble/hashes, never typebox', () => {
    expect(bareImports(resolve(here, 'base/index.ts'))).toEqual(['@noble/hashes/sha2.js', '@noble/hashes/utils.js', '@ofs/contracts/base']);
  });

  it('rests on an @ofs/contracts/base that imports no package at all', () => {
    expect(bareImports(resolve(contractsSrc, 'base/index.ts'))).toEqual([]);
  });

  it('exports the same canonicalJson and OfsError as the full entries', async () => {
    const base = await import('@ofs/ids/base');
    const full = await import('@ofs/ids');
    const contracts = await import('@ofs/contracts');
    expect(base.canonicalJson).toBe(full.canonicalJson);
    expect(base.canonicalJson({ b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
    let caught: unknown;
    try {
      base.canonicalJson({ x: Number.NaN });
    } catch (error) {
      caught = error;
    }
    expect(contracts.isOfsError(caught)).toBe(true);
  });
});
