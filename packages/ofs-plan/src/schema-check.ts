import { type OfsErrorCode, type Problem, type SchemaChecker, schemaChecker } from '@ofs/contracts';

type TSchema = Parameters<typeof schemaChecker>[0];

const checkers = new WeakMap<TSchema, SchemaChecker>();

/** Every mismatch of `value` against `schema` as problems with `code` (`[]` when it matches). */
export function schemaProblems(schema: TSchema, value: unknown, code: OfsErrorCode): Problem[] {
  let checker = checkers.get(schema);
  if (checker === undefined) {
    checker = schemaChecker(schema);
    checkers.set(schema, checker);
  }
  if (checker.check(value)) return [];
  const problems = checker.problems(value, code);
  return problems.length > 0 ? problems : [{ path: '', code, message: 'does not match its schema' }];
}
