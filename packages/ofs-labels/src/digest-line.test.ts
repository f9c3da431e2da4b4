import type { ResolvedLabel } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvedDigestLine } from './digest-line.js';

const label: fc.Arbitrary<ResolvedLabel> = fc.oneof(
  fc.constant<ResolvedLabel>({ status: 'UNLABELLED', value: null, assertion_id: null }),
  fc.constant<ResolvedLabel>({ status: 'CONFLICT', value: null, assertion_id: null }),
  fc.record({
    status: fc.constant('LABELLED' as const),
    value: fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    ),
    assertion_id: fc.string({ unit: 'binary', minLength: 1 }),
  }),
);

describe('resolvedDigestLine', () => {
  it('equals the canonical JSON of [event_id, mature, status, value, assertion_id, …] plus a newline', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), fc.array(label, { maxLength: 3 }), (eventId, mature, labels) => {
        const flat = labels.flatMap((l) => [l.status, l.value, l.assertion_id]);
        expect(resolvedDigestLine(eventId, mature, labels)).toBe(`${canonicalJson([eventId, mature, ...flat])}\n`);
      }),
      { numRuns: 2_000 },
    );
  });
});
