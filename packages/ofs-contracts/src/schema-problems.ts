import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { OfsErrorCode } from './catalogue.js';
import type { Problem } from './errors.js';

/** A compiled TypeBox check that reports problems as data. */
export interface SchemaChecker {
  /** `true` when `value` matches the schema. */
  check(value: unknown): boolean;
  /** Every mismatch as a `Problem` with `code`, paths prefixed with `basePath`. */
  problems(value: unknown, code: OfsErrorCode, basePath?: string): Problem[];
}

/** Compiles `schema` once (lazily, on first use) into a `SchemaChecker`. */
export function schemaChecker(schema: TSchema): SchemaChecker {
  let compiled: ReturnType<typeof Compile> | undefined;
  const validator = () => (compiled ??= Compile(schema));
  return {
    check: (value) => validator().Check(value),
    problems(value, code, basePath = '') {
      const seen = new Set<string>();
      const out: Problem[] = [];
      for (const error of validator().Errors(value)) {
        // `additionalProperties: false` reports each extra key twice (boolean + additionalProperties).
        if (error.keyword === 'boolean') continue;
        let message = error.message;
        if (error.keyword === 'additionalProperties') {
          const extra = (error.params as { additionalProperties?: unknown }).additionalProperties;
          message = `unknown field(s) ${JSON.stringify(extra)}`;
        }
        const path = `${basePath}${error.instancePath}`;
        const key = `${path}\u0000${message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ path, code, message });
      }
      return out;
    },
  };
}
