import { isOfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { ENVELOPE_HASH_RECIPE, envelopeHash, eventEnvelope } from './envelope-hash.js';
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

describe('sampleReplayRecord (@ofs/contracts/testing) hashes its envelope with the same recipe', () => {
  it('agrees with envelopeHash, non-ASCII notes included', async () => {
    const { sampleReplayRecord } = await import('@ofs/contracts/testing');
    for (const note of ['event 1', 'é€😀 \u2028 "q" \\ \u0001']) {
      const r = await sampleReplayRecord('fp.bus.traffic.fraud.v1', 3, 'kafka_offset', '1042', { amount: 42, note });
      expect(r.payload_hash).toBe(envelopeHash(r));
    }
  });
});

describe('our ofs.envelope_hash.v1 vectors (computed in Python, as the archive writer does)', () => {
  it('envelopeHash reproduces every vector byte for byte', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = new URL('./fixtures/envelope-hash-vectors.json', import.meta.url);
    const { recipe, vectors } = JSON.parse(await readFile(file, 'utf8')) as {
      recipe: string;
      vectors: {
        name: string;
        event_id: string;
        ts_utc: string;
        payload: Record<string, unknown>;
        envelope?: Record<string, unknown>;
        canonical: string;
        payload_hash: string;
      }[];
    };
    expect(recipe).toBe(ENVELOPE_HASH_RECIPE);
    expect(vectors.length).toBeGreaterThanOrEqual(4);
    for (const v of vectors) {
      const parts = { event_id: v.event_id, ts_utc: v.ts_utc, payload: v.payload, ...(v.envelope ? { envelope: v.envelope } : {}) };
      expect([v.name, canonicalJson(eventEnvelope(parts))]).toEqual([v.name, v.canonical]);
      expect([v.name, envelopeHash(parts)]).toEqual([v.name, v.payload_hash]);
    }
    // The flipped-digit pair differs only in ts_utc, and so do their hashes.
    expect(vectors[0]!.payload_hash).not.toBe(vectors[1]!.payload_hash);
  });
});
