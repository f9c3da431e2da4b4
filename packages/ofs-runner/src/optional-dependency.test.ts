import { isOfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { importOptionalDependency } from './optional-dependency.js';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('importOptionalDependency', () => {
  it('names a package that is not installed in DEPENDENCY_MISSING', async () => {
    const name = '@ofs/not-installed-anywhere';
    // A variable specifier, so neither TypeScript nor the bundler resolves it ahead of time.
    const error = await failure(importOptionalDependency(name, 'the test feature', () => import(name)));
    expect(isOfsError(error, 'DEPENDENCY_MISSING')).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ package: name, feature: 'the test feature' });
    expect((error as Error).message).toContain('npm i @ofs/not-installed-anywhere');
  });

  it('passes other load failures through unchanged', async () => {
    const boom = Object.assign(new Error("Cannot find module './inner.js' imported from pg"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(await failure(importOptionalDependency('pg', 'x', () => Promise.reject(boom)))).toBe(boom);
    const other = new TypeError('broken');
    expect(await failure(importOptionalDependency('pg', 'x', () => Promise.reject(other)))).toBe(other);
  });

  it('does not mistake a package whose name only starts the same for the missing one', async () => {
    const error = Object.assign(new Error("Cannot find package 'pg-extra' imported from /x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(await failure(importOptionalDependency('pg', 'x', () => Promise.reject(error)))).toBe(error);
  });

  it('returns the module when it is installed', async () => {
    const pg = await importOptionalDependency('pg', 'x', () => import('pg'));
    expect(typeof pg.default.Pool).toBe('function');
  });
});
