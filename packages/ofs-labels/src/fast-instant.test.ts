import { parseInstant } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstantInto } from './fast-instant.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const odd = fc.constantFrom('', '0', '000', 'x', '-', ':', 'T', 'Z', '99', '60', '32', '13', '24', '00');
/** Mostly valid two-digit fields in `[min, max]`, sometimes something odd. */
const field = (min: number, max: number) =>
  fc.oneof({ arbitrary: fc.integer({ min, max }).map((n) => pad(n, 2)), weight: 12 }, { arbitrary: odd, weight: 1 });
const instantLike = fc
  .record({
    year: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 9999 }).map((y) => pad(y, 4)), weight: 12 },
      { arbitrary: fc.constantFrom('20x6', '202', '+2026'), weight: 1 },
    ),
    month: field(1, 12),
    day: field(1, 31),
    hour: field(0, 23),
    minute: field(0, 59),
    second: field(0, 59),
    t: fc.constantFrom('T', 'T', 'T', 't', ' '),
    fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,11}$/), fc.constant('.5a')),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z', '', 'UTC', '+00:00', '-00:00', '+24:00', '+23:59', '-12:60', '+0100', '+01:00:00'),
      fc.tuple(fc.constantFrom('+', '-'), field(0, 23), field(0, 59)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
  })
  .map((p) => `${p.year}-${p.month}-${p.day}${p.t}${p.hour}:${p.minute}:${p.second}${p.fraction}${p.zone}`);

describe('parseInstantInto', () => {
  it('accepts exactly what parseInstant accepts, with the same instant', () => {
    const out = new Float64Array(2);
    fc.assert(
      fc.property(fc.oneof(instantLike, fc.string()), (text) => {
        const slow = parseInstant(text);
        const ok = parseInstantInto(text, out, 0);
        expect(ok).toBe(slow !== undefined);
        if (slow !== undefined) expect([out[0], out[1]]).toEqual([slow.epochMs, slow.subMsNanos]);
      }),
      { numRuns: 20_000 },
    );
    let valid = 0;
    fc.assert(
      fc.property(instantLike, (text) => {
        if (parseInstant(text) !== undefined) valid++;
      }),
      { numRuns: 2_000 },
    );
    // The generator must reach valid instants often enough for the equality to mean something.
    expect(valid).toBeGreaterThan(100);
  });

  it('handles the edges parseInstant handles', () => {
    const out = new Float64Array(2);
    for (const text of ['0001-01-01T00:00:00Z', '2024-02-29T23:59:59.999999999+14:00', '2023-02-29T00:00:00Z', '2026-02-10T10:00:00.Z']) {
      const slow = parseInstant(text);
      expect(parseInstantInto(text, out, 0), text).toBe(slow !== undefined);
      if (slow) expect([out[0], out[1]], text).toEqual([slow.epochMs, slow.subMsNanos]);
    }
  });
});
