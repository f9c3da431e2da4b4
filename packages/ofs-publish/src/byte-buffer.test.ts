import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBuffer } from './byte-buffer.js';

describe('ByteBuffer', () => {
  it('writes UTF-8 like TextEncoder, across growth, for any text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 20 }), (texts) => {
        const sink = new ByteBuffer(16);
        for (const t of texts) sink.writeString(t);
        expect(Buffer.from(sink.bytes.subarray(0, sink.length)).toString('utf8')).toBe(texts.join(''));
      }),
    );
  });

  it('writes a plain quoted string only when it needs no escape', () => {
    const sink = new ByteBuffer(16);
    expect(sink.writePlainQuoted('card_1 ~!')).toBe(true);
    expect(sink.writePlainQuoted('a"b')).toBe(false);
    expect(sink.writePlainQuoted('tab\t')).toBe(false);
    expect(sink.writePlainQuoted('é')).toBe(false);
    sink.writeBytes(new Uint8Array(100).fill(65), 10, 90);
    const text = Buffer.from(sink.bytes.subarray(0, sink.length)).toString('latin1');
    expect(text).toBe(`"card_1 ~!"${'A'.repeat(80)}`);
  });
});
