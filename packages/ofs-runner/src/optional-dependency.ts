import { OfsError } from '@ofs/contracts';

/**
 * `true` when `error` says that the package `name` itself cannot be found (as opposed to a module
 * inside it failing to load). Node says `Cannot find package 'pg' imported from …`
 * (`ERR_MODULE_NOT_FOUND`); vite's module runner says `Failed to load url pg` or
 * `Cannot find module 'pg'`.
 */
export function isPackageMissing(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const quoted = new RegExp(
    `(?:Cannot find (?:package|module) |Failed to load url )['"]?${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:['"\\s/]|$)`,
  );
  return (code === undefined || code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && quoted.test(error.message);
}

/**
 * Loads an optional peer dependency. When the package is not installed, throws
 * `DEPENDENCY_MISSING` naming it and the feature that needs it (D81); any other failure is
 * rethrown unchanged.
 *
 * @param name - the package name, e.g. `pg` or `@electric-sql/pglite`.
 * @param feature - what needs it, for the message (e.g. `the embedded corridor (PGlite)`).
 * @param load - the `import()` itself, written out by the caller so bundlers see the specifier.
 */
export async function importOptionalDependency<T>(name: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isPackageMissing(error, name)) throw error;
    throw new OfsError('DEPENDENCY_MISSING', {
      message: `${feature} needs the package ${name}, which is not installed: \`npm i ${name}\` next to @ofs/runner, or install @ofs/cli, which brings it`,
      details: { package: name, feature },
      cause: error,
    });
  }
}
