import { throwProblems } from './errors.js';
import { isPlainJsonObject, jsonValueProblems, parseGuarded } from './json-value.js';
import { OFS_POLICY_DEFAULTS, OFS_POLICY_SCHEMA_VERSION, type OfsPolicy, OfsPolicySchema } from './records/policy.js';
import { schemaChecker } from './schema-problems.js';

const policyChecker = schemaChecker(OfsPolicySchema);

/**
 * Validates a host-provided OFS policy and fills the defaults of `OFS_POLICY_DEFAULTS` (and
 * `schema_version`, of which there is one) for absent fields. Throws one `POLICY_INVALID`
 * `OfsError` whose `details.problems` lists every problem. The result is a fresh, frozen object
 * whose canonical digest is what a plan pins. The input must be plain, bounded JSON (see
 * `jsonValueProblems`); nothing but an `OfsError` is ever thrown.
 */
export function parseOfsPolicy(input: unknown): OfsPolicy {
  return parseGuarded('POLICY_INVALID', 'invalid OFS policy', () => parsePolicyUnguarded(input));
}

function parsePolicyUnguarded(input: unknown): OfsPolicy {
  if (!isPlainJsonObject(input)) {
    throwProblems([{ path: '', code: 'POLICY_INVALID', message: 'a policy must be a JSON object' }], 'invalid OFS policy');
  }
  // Plain, bounded JSON before the schema check walks it.
  throwProblems(jsonValueProblems(input, '', 'POLICY_INVALID'), 'invalid OFS policy');
  const raw = input as Record<string, unknown>;
  const filled: Record<string, unknown> = { schema_version: OFS_POLICY_SCHEMA_VERSION, ...OFS_POLICY_DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (value !== undefined) filled[key] = value;
  throwProblems(policyChecker.problems(filled, 'POLICY_INVALID'), 'invalid OFS policy');
  const policy = structuredClone(filled) as OfsPolicy;
  policy.label_types = Object.freeze([...policy.label_types]) as string[];
  return Object.freeze(policy);
}
