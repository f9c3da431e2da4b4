import { type FeatureProfile, isOfsError } from '@ofs/contracts';
import { canonicalJson, digestOf } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { compileProfile, statsMarkers } from './compile-profile.js';
import { demoFeatureProfile, demoFeatureProfileV2 } from './demo-profile.js';

const resolve = (profile: FeatureProfile) => ({ ref: 'p.json', profile, digest: digestOf(profile) });

/** `fraud-demo@v2` with statistics markers: a numeric code counted as categories, a field shown as counts only. */
const marked: FeatureProfile = {
  ...demoFeatureProfileV2,
  feature_set_version: 'v2-marked',
  features: demoFeatureProfileV2.features.map((f) =>
    f.name === 'country' ? { ...f, stats: 'sensitive' } : f.name === 'card_txn_count_1h' ? { ...f, stats: 'categorical' } : f,
  ),
};

describe('profile statistics markers (D115)', () => {
  it('leave profiles without markers as they were: same bytes, same digest', () => {
    // Pinned digests of the demo profiles (the committed 2026-12-04 fixture pins the v2 one).
    expect(digestOf(demoFeatureProfile)).toBe('efa9add731bbc61bc70b1b14a8f489dff3978b97c1cdc9de5cc9684fb2cf0e1c');
    expect(digestOf(demoFeatureProfileV2)).toBe('190ab912359faf1a7d9e669fbe1715fbcd8bd12d65872d2f12586c74204b9f3c');
    expect(canonicalJson(demoFeatureProfileV2)).not.toContain('"stats"');
    const compiled = compileProfile(resolve(demoFeatureProfileV2));
    expect(statsMarkers(compiled).size).toBe(0);
    expect(compiled.fields.every((f) => f.stats === undefined)).toBe(true);
  });

  it('are compiled for fields and windows and reported by column name', () => {
    const compiled = compileProfile(resolve(marked));
    expect([...statsMarkers(compiled)]).toEqual([
      ['country', 'sensitive'],
      ['card_txn_count_1h', 'categorical'],
    ]);
    // A marker is part of the profile's meaning: the marked profile has another digest.
    expect(digestOf(marked)).not.toBe(digestOf({ ...marked, features: demoFeatureProfileV2.features }));
  });

  it('accept only categorical or sensitive', () => {
    const bad = {
      ...demoFeatureProfileV2,
      features: demoFeatureProfileV2.features.map((f) => (f.name === 'country' ? { ...f, stats: 'secret' } : f)),
    } as unknown as FeatureProfile;
    try {
      compileProfile(resolve(bad));
      expect.unreachable('an unknown marker was accepted');
    } catch (error) {
      expect(isOfsError(error, 'FEATURE_PROFILE_INVALID')).toBe(true);
    }
  });
});
