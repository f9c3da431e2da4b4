import type { ReplayRecord } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toLine } from './segment-file-writer.js';
import { parsePlainSegmentLine } from './segment-line.js';

/** Any UTF-16 code units: quotes, backslashes, control characters and lone surrogates included. */
const anyText = fc.string({ maxLength: 30, unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const awkward = fc.string({ maxLength: 12, unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', 'é', '\ud83d', 'a', '}', ',', ':') });
const text = fc.oneof(fc.string({ maxLength: 30 }), anyText, awkward);
const record = fc.record({
  topic: fc.constant('t'),
  partition: fc.constant(0),
  offset_kind: fc.constant('kafka_offset'),
  offset: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), text),
  event_id: text,
  ts_utc: text,
  payload: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), text)),
  payload_hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), text),
}) as fc.Arbitrary<ReplayRecord>;

/** A line with one edit: a character inserted, removed or replaced anywhere. */
const edited = fc
  .tuple(
    record.map(toLine),
    fc.nat(),
    fc.constantFrom('insert', 'remove', 'replace'),
    fc.constantFrom('"', '\\', ' ', '}', '{', ',', ':', 'x', '\u0001', '1'),
  )
  .map(([line, at, edit, c]) => {
    const i = at % (line.length + 1);
    if (edit === 'insert') return line.slice(0, i) + c + line.slice(i);
    if (edit === 'remove') return line.slice(0, i) + line.slice(i + 1);
    return line.slice(0, i) + c + line.slice(i + 1);
  });

const jsonParse = (line: string): { ok: unknown } | { failed: true } => {
  try {
    return { ok: JSON.parse(line) };
  } catch {
    return { failed: true };
  }
};

describe('parsePlainSegmentLine', () => {
  it('reads every line the writer produces either exactly as JSON.parse does or not at all', () => {
    fc.assert(
      fc.property(record, (r) => {
        const line = toLine(r);
        const row = parsePlainSegmentLine(line);
        if (row !== undefined) expect(row).toEqual(JSON.parse(line));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the fast path for writer lines whose strings need no escape', () => {
    fc.assert(
      fc.property(record, fc.stringMatching(/^[ -!#-[\]-~é€]{0,20}$/), (r, plain) => {
        const line = toLine({ ...r, offset: '42', event_id: plain, ts_utc: plain, payload_hash: plain });
        expect(parsePlainSegmentLine(line)).toEqual(JSON.parse(line));
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts a line JSON.parse refuses, nor reads one differently, whatever the edit', () => {
    fc.assert(
      fc.property(edited, (line) => {
        const row = parsePlainSegmentLine(line);
        if (row !== undefined) expect(jsonParse(line)).toEqual({ ok: row });
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves lines of other shapes to JSON.parse', () => {
    const line = '{"offset":"1","event_id":"e","ts_utc":"t","payload_hash":"h","payload":{}}';
    expect(parsePlainSegmentLine(line)).toEqual(JSON.parse(line));
    for (const other of [
      '{ "offset":"1","event_id":"e","ts_utc":"t","payload_hash":"h","payload":{}}',
      '{"offset":"1","event_id":"e\\u0041","ts_utc":"t","payload_hash":"h","payload":{}}',
      '{"offset":"1","event_id":"e\u0001","ts_utc":"t","payload_hash":"h","payload":{}}',
      '{"offset":"1","event_id":7,"ts_utc":"t","payload_hash":"h","payload":{}}',
      '{"offset":"1","event_id":"e","ts_utc":"t","payload_hash":"h","payload":{}}\r',
      '{"offset":"1","event_id":"e","ts_utc":"t","payload_hash":"h","payload":{}},"x":1}',
      '{"offset":"1","event_id":"e","ts_utc":"t","payload_hash":"h","payload":{}}}',
      '{"offset":"1","event_id":"e","ts_utc":"t","payload":{},"payload_hash":"h"}',
    ]) {
      expect(parsePlainSegmentLine(other)).toBeUndefined();
    }
  });
});
