import { describe, expect, it } from 'vitest';
import { isOfsError } from './errors.js';
import { parseOfsPolicy } from './parse-policy.js';
import { OFS_POLICY_DEFAULTS } from './records/policy.js';

const minimal = { revision: 'policy-r1', label_types: ['fraud'], min_label_coverage: 0.9, max_conflict_ratio: 0.01 };

function problemsOf(fn: () => unknown): { code: string; problems: { path: string }[] } {
  try {
    fn();
  } catch (error) {
    if (isOfsError(error)) return { code: error.code, problems: error.details.problems as { path: string }[] };
    throw error;
  }
  throw new Error('expected a throw');
}

describe('parseOfsPolicy', () => {
  it('fills every default and the schema version', () => {
    const policy = parseOfsPolicy(minimal);
    expect(policy).toEqual({ schema_version: 'learning.ofs_policy.v1', ...OFS_POLICY_DEFAULTS, ...minimal });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.label_types)).toBe(true);
  });

  it('keeps explicit values over defaults', () => {
    expect(parseOfsPolicy({ ...minimal, part_rows: 7, max_publish_retries: 0 })).toMatchObject({ part_rows: 7, max_publish_retries: 0 });
  });

  it('reports every problem with POLICY_INVALID', () => {
    const { code, problems } = problemsOf(() =>
      parseOfsPolicy({ revision: '', label_types: [], min_label_coverage: 2, max_conflict_ratio: -1, part_rows: 0, extra: 1 }),
    );
    expect(code).toBe('POLICY_INVALID');
    const paths = problems.map((p) => p.path);
    for (const path of ['/revision', '/label_types', '/min_label_coverage', '/max_conflict_ratio', '/part_rows', '']) {
      expect(paths).toContain(path);
    }
  });

  it('refuses non-objects, a wrong schema version and duplicate label types', () => {
    for (const input of [null, [], 'policy', 3]) expect(problemsOf(() => parseOfsPolicy(input)).code).toBe('POLICY_INVALID');
    expect(problemsOf(() => parseOfsPolicy({ ...minimal, schema_version: 'learning.ofs_policy.v0' })).code).toBe('POLICY_INVALID');
    expect(problemsOf(() => parseOfsPolicy({ ...minimal, label_types: ['a', 'a'] })).code).toBe('POLICY_INVALID');
    expect(problemsOf(() => parseOfsPolicy({ ...minimal, min_label_coverage: Number.NaN })).code).toBe('POLICY_INVALID');
  });
});
