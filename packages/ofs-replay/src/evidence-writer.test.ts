import type { ReplaySourceName } from '@ofs/contracts';
import { createEvidenceDigest } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvidenceWriter } from './evidence-writer.js';

/** Any UTF-16 code units, lone surrogates included. */
const anyUnits = (options: { minLength?: number; maxLength?: number }) =>
  fc.string({ ...options, unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const hash = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{64}$/),
  anyUnits({ minLength: 64, maxLength: 64 }),
  fc.string({ minLength: 64, maxLength: 64, unit: 'grapheme' }),
);
const line = fc.record({
  offset: fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String),
  source: fc.constantFrom<ReplaySourceName>('EB', 'ARCHIVE'),
  hash,
});
const slice = fc.record({
  topic: fc.oneof(fc.constant('fp.bus.traffic.fraud.v1'), anyUnits({ maxLength: 40 })),
  partition: fc.nat(),
  lines: fc.array(line, { maxLength: 40 }),
});

function both(slices: { topic: string; partition: number; lines: { offset: string; source: ReplaySourceName; hash: string }[] }[]) {
  const reference = createEvidenceDigest();
  const writer = new EvidenceWriter();
  for (const s of slices) {
    writer.beginSlice(s.topic, s.partition);
    for (const l of s.lines) {
      reference.add(s.topic, s.partition, l.offset, l.source, l.hash);
      writer.add(l.offset, l.source, l.hash);
    }
  }
  expect(writer.count).toBe(reference.count);
  return { expected: reference.digestHex(), actual: writer.digestHex() };
}

describe('EvidenceWriter', () => {
  it('gives the bytes of createEvidenceDigest for any topics, offsets, sources and hashes', () => {
    fc.assert(
      fc.property(fc.array(slice, { maxLength: 4 }), (slices) => {
        const { expected, actual } = both(slices);
        expect(actual).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('stays identical across buffer flushes and for a line longer than the buffer', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      offset: String(i),
      source: (i % 3 === 0 ? 'ARCHIVE' : 'EB') as ReplaySourceName,
      hash: (i % 7 === 0 ? 'é' : 'a').repeat(64),
    }));
    const huge = 't'.repeat(100_000);
    const { expected, actual } = both([
      { topic: 'fp.bus.traffic.fraud.v1', partition: 3, lines: many },
      { topic: huge, partition: 0, lines: many.slice(0, 3) },
      { topic: 'after', partition: 1, lines: many.slice(0, 100) },
    ]);
    expect(actual).toBe(expected);
  });

  it('hashes the empty stream like the reference', () => {
    expect(new EvidenceWriter().digestHex()).toBe(createEvidenceDigest().digestHex());
  });
});
