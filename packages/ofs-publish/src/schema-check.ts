import { OfsError, type OfsErrorCode } from '@ofs/contracts';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

type Validator = ReturnType<typeof Compile>;
const cache = new WeakMap<TSchema, Validator>();

/** The first few schema problems of `value` as `path: message` strings (empty when valid). */
export function schemaProblems(schema: TSchema, value: unknown, limit = 5): string[] {
  let v = cache.get(schema);
  if (!v) {
    v = Compile(schema);
    cache.set(schema, v);
  }
  if (v.Check(value)) return [];
  const out: string[] = [];
  for (const e of v.Errors(value)) {
    out.push(`${(e as { instancePath?: string }).instancePath || '/'}: ${e.message}`);
    if (out.length >= limit) break;
  }
  return out;
}

/** Throws `code` (with `details`) when `value` does not match `schema`. */
export function assertSchema(
  schema: TSchema,
  value: unknown,
  code: OfsErrorCode,
  what: string,
  details: Record<string, unknown> = {},
): void {
  const problems = schemaProblems(schema, value);
  if (problems.length === 0) return;
  throw new OfsError(code, { message: `${what} does not match its schema: ${problems.join('; ')}`, details: { ...details, problems } });
}
