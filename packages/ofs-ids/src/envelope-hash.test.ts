import { isOfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { envelopeHash } from './envelope-hash.js';
import { sha256Hex } from './sha256.js';

describe('envelopeHash (ofs.envelope_hash.v1)', () => {
  const base = { event_id: 'evt_1', ts_utc: '2026-02-01T00:00:00.000000Z', payload: { amount: '12.50', card_id: 'c1' } };

  it('is the sha256 of the canonical envelope', () => {
    expect(envelopeHash(base)).toBe(sha256Hex(canonicalJson(base)));
  });

  it('changes when ts_utc, event_id or the payload changes', () => {
    const h = envelopeHash(base);
    expect(envelopeHash({ ...base, ts_utc: '2026-02-01T00:00:01.000000Z' })).not.toBe(h);
    expect(envelopeHash({ ...base, event_id: 'evt_2' })).not.toBe(h);
    expect(envelopeHash({ ...base, payload: { ...base.payload, amount: '12.51' } })).not.toBe(h);
  });

  it('covers further envelope fields', () => {
    const withType = { ...base, envelope: { event_type: 'auth', manifest_fingerprint: 'f'.repeat(64) } };
    expect(envelopeHash(withType)).toBe(sha256Hex(canonicalJson({ ...withType.envelope, ...base })));
    expect(envelopeHash(withType)).not.toBe(envelopeHash(base));
  });

  it('refuses envelope fields that repeat a record field or a transport position', () => {
    for (const field of ['event_id', 'payload', 'ts_utc', 'offset', 'topic', 'payload_hash']) {
      expect(() => envelopeHash({ ...base, envelope: { [field]: 'x' } })).toThrow(
        expect.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID')),
      );
    }
  });
});
