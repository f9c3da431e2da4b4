import { describeFeatureProfilesContract, sampleFeatureProfile } from '@ofs/contracts/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryFeatureProfiles } from './memory-feature-profiles.js';

describeFeatureProfilesContract('memory', async (profiles) => createMemoryFeatureProfiles(profiles));

describe('createMemoryFeatureProfiles', () => {
  it('refuses an invalid profile and two profiles of one version up front', () => {
    expect(() => createMemoryFeatureProfiles([{ ...sampleFeatureProfile(), features: [] }])).toThrow(
      expect.objectContaining({ code: 'FEATURE_PROFILE_INVALID' }),
    );
    expect(() => createMemoryFeatureProfiles([sampleFeatureProfile(), sampleFeatureProfile()])).toThrow(
      expect.objectContaining({ code: 'FEATURE_PROFILE_INVALID' }),
    );
  });
});
