// Test-only: validates records against the contracts' JSON Schema documents with ajv (draft 2020-12).
import { RECORD_SCHEMAS, toJsonSchemaDocument } from '@ofs/contracts';
import { Ajv2020 } from 'ajv/dist/2020.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });

/** The validation errors of `value` against the record schema `id` (`[]` when valid). */
export function recordErrors(id: string, value: unknown): string[] {
  const schema = RECORD_SCHEMAS[id];
  if (schema === undefined) throw new Error(`no record schema ${id}`);
  const validate = ajv.getSchema(id) ?? ajv.compile(toJsonSchemaDocument(id, schema));
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
