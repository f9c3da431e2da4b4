import { canonicalJson, createSha256, sha256Hex } from '@ofs/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestWriter } from './digest-writer.js';

type Write = { kind: 'json' | 'text'; value: string } | { kind: 'bytes'; value: Uint8Array };

const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant('json' as const), value: fc.oneof(fc.string({ unit: 'binary' }), fc.string({ maxLength: 80 })) }),
  fc.record({ kind: fc.constant('text' as const), value: fc.oneof(fc.string({ unit: 'binary' }), fc.string({ maxLength: 80 })) }),
  fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 200 }) }),
);

describe('DigestWriter', () => {
  it('hashes exactly the UTF-8 of what was written, whatever the buffer size', () => {
    fc.assert(
      fc.property(fc.array(write, { maxLength: 30 }), fc.integer({ min: 1, max: 300 }), (writes, size) => {
        const hash = createSha256();
        const writer = new DigestWriter(hash, size);
        const expected: Uint8Array[] = [];
        const encoder = new TextEncoder();
        for (const w of writes) {
          if (w.kind === 'json' && typeof w.value === 'string') {
            writer.jsonString(w.value);
            expected.push(encoder.encode(canonicalJson(w.value)));
          } else if (w.kind === 'text' && typeof w.value === 'string') {
            writer.text(w.value);
            expected.push(encoder.encode(w.value));
          } else if (typeof w.value !== 'string') {
            writer.bytes(w.value);
            expected.push(w.value);
          }
        }
        writer.flush();
        const all = new Uint8Array(expected.reduce((n, b) => n + b.length, 0));
        let at = 0;
        for (const b of expected) {
          all.set(b, at);
          at += b.length;
        }
        expect(hash.digestHex()).toBe(sha256Hex(all));
      }),
      { numRuns: 1_000 },
    );
  });
});
