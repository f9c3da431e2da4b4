import type { FeatureProfile } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBuffer } from './byte-buffer.js';
import { compileProfile } from '@ofs/features';
import { demoFeatureProfile } from '@ofs/features';
import { EVENT_SLOTS, type RowLayout, rowLayout } from './row-encoder.js';
import { resolved } from './test-support.js';

/** Feature names around the label and `mature` columns, so the split has several late runs. */
const interleaved: FeatureProfile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'split',
  feature_set_version: 'v1',
  entities: { card: 'card' },
  features: [
    { name: 'a', kind: 'field', path: 'a' },
    { name: 'label', kind: 'field', path: 'x' },
    { name: 'labelz', kind: 'field', path: 'y' },
    { name: 'matura', kind: 'field', path: 'z' },
    { name: 'matz', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 60 },
    { name: 'zz', kind: 'window', entity: 'card', aggregate: 'last', path: 'a', window_seconds: 60 },
  ],
};

/** Any JSON value a payload may hold (strings with escapes, lone surrogates, non-ASCII; numbers; nested). */
const jsonValue = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.constant(null)), { maxKeys: 3 }),
  fc.array(fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 3 }),
);

function randomRow(layout: RowLayout) {
  return fc.array(jsonValue, { minLength: layout.width, maxLength: layout.width });
}

/** The bytes the split encoder writes: early(0) + late(0) + … + early(lateRuns), straight into a byte buffer. */
function splitBytes(layout: RowLayout, values: readonly unknown[]): Uint8Array {
  const { split } = layout;
  const sink = new ByteBuffer(16);
  for (let k = 0; k < split.lateRuns; k++) {
    split.writeEarly(values, k, sink);
    split.writeLate(values, k, sink);
  }
  split.writeEarly(values, split.lateRuns, sink);
  return sink.bytes.slice(0, sink.length);
}

/** The line the split encoder gives: early(0) + late(0) + … + early(lateRuns). */
function splitLine(layout: RowLayout, values: readonly unknown[]): string {
  const { split } = layout;
  let line = '';
  for (let k = 0; k < split.lateRuns; k++) line += split.early(values, k) + split.late(values, k);
  return line + split.early(values, split.lateRuns);
}

describe('row encoder', () => {
  for (const [name, profile] of [
    ['demo profile', demoFeatureProfile],
    ['interleaved label columns', interleaved],
  ] as const) {
    const layout = rowLayout(compileProfile(resolved(profile, `${name}.json`)), ['fraud_disposition', 'chargeback']);

    it(`${name}: the compiled, split and byte encoders give canonicalJson (as UTF-8) of the row on random rows`, () => {
      fc.assert(
        fc.property(randomRow(layout), (values) => {
          const expected = canonicalJson(layout.toObject(values));
          expect(layout.encode(values)).toBe(expected);
          expect(splitLine(layout, values)).toBe(expected);
          expect(Buffer.from(splitBytes(layout, values)).equals(Buffer.from(new TextEncoder().encode(expected)))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it(`${name}: late runs hold exactly the label columns and mature`, () => {
      const values: unknown[] = new Array(layout.width).fill(null);
      values[EVENT_SLOTS.mature] = 'MATURE_MARK';
      for (let s = layout.labelSlot; s < layout.width; s++) values[s] = `LABEL_MARK_${s}`;
      let late = '';
      let early = '';
      for (let k = 0; k < layout.split.lateRuns; k++) late += layout.split.late(values, k);
      for (let k = 0; k <= layout.split.lateRuns; k++) early += layout.split.early(values, k);
      expect(early).not.toContain('_MARK');
      expect(late.match(/_MARK/g)).toHaveLength(layout.width - layout.labelSlot + 1);
    });
  }

  it('cuts the interleaved profile into several late runs', () => {
    const layout = rowLayout(compileProfile(resolved(interleaved, 'split.json')), ['fraud_disposition']);
    // label_* | labelz, matura | mature | matz …: two late runs.
    expect(layout.split.lateRuns).toBe(2);
  });
});
