// Reference feature profiles (issue 14 item 3). The documents are the reference's YAML as PyYAML
// `safe_load` (YAML 1.1) parses it, written out by hand; the digests are the reference resolver's
// own (copied from the reference vectors `p3_baseline_instance_pass`, `p3_repo_profile` and
// `yaml_profile_digest_pyyaml_1_1`), so matching them proves the pin check reads the same bytes.
import { isOfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { compileProfile } from './compile-profile.js';
import { createOnlineFeatures } from './online.js';
import {
  createReferenceFeatureProfiles,
  type ReferenceResolvedProfile,
  referenceProfileDigest,
  translateReferenceProfile,
} from './reference-profile.js';

/**
 * config/platform/ofp/features_v0.yaml of the reference:
 *   policy_id: ofp.features.v0
 *   revision: r1
 *   feature_groups:
 *     - name: core_features
 *       version: v1
 *       key_type: flow_id
 *       windows:
 *         - { window: 1h, duration: 1h, ttl: 1h }
 *         - { window: 24h, duration: 24h, ttl: 24h }
 *         - { window: 7d, duration: 7d, ttl: 7d }
 */
const repoProfile = () => ({
  policy_id: 'ofp.features.v0',
  revision: 'r1',
  feature_groups: [
    {
      name: 'core_features',
      version: 'v1',
      key_type: 'flow_id',
      windows: [
        { window: '1h', duration: '1h', ttl: '1h' },
        { window: '24h', duration: '24h', ttl: '24h' },
        { window: '7d', duration: '7d', ttl: '7d' },
      ],
    },
  ],
});

/** The reference resolver's record for `repoProfile()` (vector `p3_repo_profile`). */
const repoPin = (): ReferenceResolvedProfile => ({
  profile_ref: 'features_profile_vec.yaml',
  feature_set_id: 'core_features',
  feature_set_version: 'v1',
  policy_id: 'ofp.features.v0',
  revision: 'r1',
  resolved_revision: 'ofp.features.v0@r1',
  profile_digest: 'ff641d0abf5916a56428a5c3bed05887ff3522766e71da1408f6f306bf2f3764',
  matched_group_digest: 'ae9a72f950881daa3c3b8aa4c40e0e7d3b2202448cf6dbd86660796223b7020e',
});

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return isOfsError(error) ? error.code : String(error);
  }
  return undefined;
};

describe('translateReferenceProfile', () => {
  it('turns each reference window into a count and an amount sum over the same length, keyed by key_type', () => {
    const { resolved, reference } = translateReferenceProfile(repoProfile(), {
      group: { feature_set_id: 'core_features', feature_set_version: 'v1' },
    });
    expect(resolved.profile.feature_set_id).toBe('core_features');
    expect(resolved.profile.feature_set_version).toBe('v1');
    expect(resolved.profile.entities).toEqual({ flow_id: 'flow_id' });
    expect(
      resolved.profile.features.map((f) => [f.name, f.kind === 'window' ? [f.aggregate, f.entity, f.window_seconds, f.path] : []]),
    ).toEqual([
      ['event_count_1h', ['count', 'flow_id', 3_600, undefined]],
      ['amount_sum_1h', ['sum', 'flow_id', 3_600, 'amount']],
      ['event_count_24h', ['count', 'flow_id', 86_400, undefined]],
      ['amount_sum_24h', ['sum', 'flow_id', 86_400, 'amount']],
      ['event_count_7d', ['count', 'flow_id', 604_800, undefined]],
      ['amount_sum_7d', ['sum', 'flow_id', 604_800, 'amount']],
    ]);
    expect(reference).toMatchObject({
      resolved_revision: 'ofp.features.v0@r1',
      profile_digest: repoPin().profile_digest,
      matched_group_digest: repoPin().matched_group_digest,
      key_type: 'flow_id',
    });
    // The result is a valid corridor profile with a true digest.
    expect(compileProfile(resolved).windows).toHaveLength(6);
    expect(resolved.ref).toBe('ofp.features.v0@r1');
  });

  it('accepts the reference resolved-profile record as the pin (digests of vectors p3_repo_profile and p3_baseline_instance_pass)', () => {
    const pinned = translateReferenceProfile(repoProfile(), { pin: repoPin() });
    expect(pinned.resolved.ref).toBe('features_profile_vec.yaml');
    expect(pinned.resolved.digest).toBe(translateReferenceProfile(repoProfile()).resolved.digest);

    // p3_baseline_instance_pass: the same group with the 1h window only (written block-style).
    const baseline = repoProfile();
    baseline.feature_groups[0]!.windows = [{ window: '1h', duration: '1h', ttl: '1h' }];
    const { reference } = translateReferenceProfile(baseline, {
      pin: {
        ...repoPin(),
        profile_digest: '2eba507c68c36b02bf0f0d990fe31a6b4acd6a0bef193483b4328da30438e0d0',
        matched_group_digest: '764b760ce068ce2d1de9857427c552fa30a38c443cd2ee1e25805d812e32522c',
      },
    });
    expect(reference.windows).toEqual([{ window: '1h', duration_seconds: 3_600, ttl_seconds: 3_600 }]);
  });

  it('refuses a pin that is not this document’s: FEATURE_PROFILE_PIN_MISMATCH for each field', () => {
    const changed = repoProfile();
    changed.feature_groups[0]!.windows[0]!.ttl = '2h';
    expect(code(() => translateReferenceProfile(changed, { pin: repoPin() }))).toBe('FEATURE_PROFILE_PIN_MISMATCH');
    expect(code(() => translateReferenceProfile(repoProfile(), { pin: { ...repoPin(), revision: 'r2' } }))).toBe(
      'FEATURE_PROFILE_PIN_MISMATCH',
    );
    expect(code(() => translateReferenceProfile(repoProfile(), { pin: { ...repoPin(), resolved_revision: 'ofp.features.v0:r1' } }))).toBe(
      'FEATURE_PROFILE_PIN_MISMATCH',
    );
    expect(code(() => translateReferenceProfile(repoProfile(), { pin: { ...repoPin(), matched_group_digest: '0'.repeat(64) } }))).toBe(
      'FEATURE_PROFILE_PIN_MISMATCH',
    );
    expect(code(() => translateReferenceProfile(repoProfile(), { pin: { ...repoPin(), profile_ref: ' ' } }))).toBe(
      'FEATURE_PROFILE_PIN_MISMATCH',
    );
    expect(
      code(() =>
        translateReferenceProfile(repoProfile(), { pin: repoPin(), group: { feature_set_id: 'core_features', feature_set_version: 'v2' } }),
      ),
    ).toBe('FEATURE_PROFILE_PIN_MISMATCH');
    // A pin for a group the document does not hold: the selection fails first, as in the reference.
    expect(code(() => translateReferenceProfile(repoProfile(), { pin: { ...repoPin(), feature_set_version: 'v2' } }))).toBe(
      'FEATURE_PROFILE_UNRESOLVED',
    );
  });

  it('digests YAML 1.1 values as the reference does (vectors yaml_profile_digest_pyyaml_1_1)', () => {
    // revision: 2026-02-10 is a date in YAML 1.1 and digests as its text.
    expect(
      referenceProfileDigest({
        policy_id: 'ofp.features.v0',
        revision: '2026-02-10',
        feature_groups: [{ name: 'core_features', version: 'v1' }],
      }),
    ).toBe('98177080f99f387e264232300f5e89694ad793c0d2f38ded68535f160c84df48');
    // version: 1 stays an integer, and still matches the intent's "1".
    const intVersion = { policy_id: 'p', revision: 'r1', feature_groups: [{ name: 'core_features', version: 1 }] };
    expect(referenceProfileDigest(intVersion)).toBe('961892e79f0e12b4bea234e6f8416efb321d72a08db6739090652a2fa9d10ed4');
    const t = translateReferenceProfile(intVersion, { group: { feature_set_id: 'core_features', feature_set_version: '1' } });
    expect(t.resolved.profile.feature_set_version).toBe('1');
    // No windows declared: the reference online plane's defaults 1h, 24h, 7d.
    expect(t.reference.windows.map((w) => w.duration_seconds)).toEqual([3_600, 86_400, 604_800]);
    // yes → true, 1:30 → 90 (top-level keys are digested, not translated).
    expect(
      referenceProfileDigest({
        policy_id: 'p',
        revision: 'r1',
        flag: true,
        duration: 90,
        feature_groups: [{ name: 'core_features', version: 'v1' }],
      }),
    ).toBe('a5f1b6b2d47ecd4ae4ea56b0663aae049eed782b94791fd76eeb7d712f0631d0');
    // A YAML 1.2 / JS Date is not what the reference digests: refused, never guessed.
    expect(code(() => translateReferenceProfile({ ...repoProfile(), revision: new Date(0) }))).toBe('FEATURE_PROFILE_UNRESOLVED');
  });

  it('selects the group by name and version exactly as the reference resolver: first match, str().strip() on both', () => {
    const doc = {
      policy_id: 'p',
      revision: 'r1',
      feature_groups: [
        'not a mapping',
        { name: ' core_features ', version: 'v1', key_type: 'card_id', windows: ['30m'] },
        { name: 'core_features', version: 'v1', key_type: 'flow_id', windows: ['1h'] },
      ],
    };
    const t = translateReferenceProfile(doc, { group: { feature_set_id: 'core_features', feature_set_version: 'v1' } });
    expect(t.reference.group_index).toBe(1);
    expect(t.resolved.profile.entities).toEqual({ card_id: 'card_id' });
    expect(t.reference.windows).toEqual([{ window: '30m', duration_seconds: 1_800, ttl_seconds: 1_800 }]);
    expect(code(() => translateReferenceProfile(doc, { group: { feature_set_id: 'core_features', feature_set_version: 'v2' } }))).toBe(
      'FEATURE_PROFILE_UNRESOLVED',
    );
    // Several groups and no selection: refused rather than guessing.
    expect(code(() => translateReferenceProfile(doc))).toBe('FEATURE_PROFILE_UNRESOLVED');
  });

  it('fails closed on documents the reference resolver refuses (FEATURE_PROFILE_UNRESOLVED)', () => {
    expect(code(() => translateReferenceProfile({}))).toBe('FEATURE_PROFILE_UNRESOLVED'); // vector p3_profile_empty
    expect(code(() => translateReferenceProfile({ policy_id: 'ofp.features.v0', feature_groups: [] }))).toBe('FEATURE_PROFILE_UNRESOLVED'); // p3_profile_missing_revision
    expect(code(() => translateReferenceProfile({ policy_id: 'p', revision: 'r1', feature_groups: {} }))).toBe(
      'FEATURE_PROFILE_UNRESOLVED',
    );
    expect(code(() => translateReferenceProfile(['p']))).toBe('FEATURE_PROFILE_UNRESOLVED');
  });

  it('refuses windows the reference refuses too (FEATURE_PROFILE_INVALID)', () => {
    const withWindows = (windows: unknown) => ({ policy_id: 'p', revision: 'r1', feature_groups: [{ name: 'g', version: 'v1', windows }] });
    for (const windows of [
      [],
      '1h',
      [{ window: '1h', duration: '1h', ttl: '30m' }],
      ['1h', '1h'],
      ['90'],
      ['1w'],
      ['0s'],
      [{ ttl: '1h' }],
      [7],
    ]) {
      expect(
        code(() => translateReferenceProfile(withWindows(windows))),
        JSON.stringify(windows),
      ).toBe('FEATURE_PROFILE_INVALID');
    }
  });

  it('fails closed on what a corridor profile cannot express (FEATURE_PROFILE_UNTRANSLATABLE)', () => {
    const group = (extra: Record<string, unknown>) => ({
      policy_id: 'p',
      revision: 'r1',
      feature_groups: [{ name: 'g', version: 'v1', ...extra }],
    });
    const cases: Record<string, unknown>[] = [
      { key_type: 'flowId' }, // not a column-safe key
      { key_type: 'flow.id' },
      { windows: ['1H'] }, // a window name that cannot name a column
      { windows: [{ window: 'last hour', duration: '1h' }] },
      { windows: ['400d'] }, // longer than the corridor's 366 days
      { windows: [{ window: '1h', duration: '1h', aggregate: 'max' }] }, // a key the corridor does not implement
      { features: ['amount'] },
      { windows: [{ window: 'w'.repeat(60), duration: '1h' }] }, // a column name longer than 64 characters
    ];
    for (const extra of cases) {
      expect(
        code(() => translateReferenceProfile(group(extra))),
        JSON.stringify(extra),
      ).toBe('FEATURE_PROFILE_UNTRANSLATABLE');
    }
  });

  it('never looks at data: the columns are a function of the document and the options alone', () => {
    const a = translateReferenceProfile(repoProfile(), { amountPath: null, topics: ['fp.bus.traffic.fraud.v1'] });
    expect(a.resolved.profile.features.map((f) => f.name)).toEqual(['event_count_1h', 'event_count_24h', 'event_count_7d']);
    const b = translateReferenceProfile(repoProfile(), { amountPath: 'txn.amount', rowTopics: ['fp.bus.traffic.fraud.v1'] });
    expect(b.resolved.profile.row_topics).toEqual(['fp.bus.traffic.fraud.v1']);
    expect(b.resolved.profile.features[1]).toMatchObject({ name: 'amount_sum_1h', path: 'txn.amount' });
    // Pinned meaning: another ttl changes the group, so the corridor profile's digest changes too.
    const longer = repoProfile();
    longer.feature_groups[0]!.windows[0]!.ttl = '2h';
    expect(translateReferenceProfile(longer).resolved.digest).not.toBe(translateReferenceProfile(repoProfile()).resolved.digest);
    // …but another revision of the same group does not (the group's meaning is unchanged).
    expect(translateReferenceProfile({ ...repoProfile(), revision: 'r2' }).resolved.digest).toBe(
      translateReferenceProfile(repoProfile()).resolved.digest,
    );
  });

  it('computes each window over (ts − duration, ts] of earlier events of the same key', () => {
    const online = createOnlineFeatures(compileProfile(translateReferenceProfile(repoProfile()).resolved));
    const event = (offset: number, minute: number, flow_id: string, amount: number) =>
      online.update({
        topic: 'fp.bus.traffic.fraud.v1',
        partition: 0,
        offset: String(offset),
        event_id: `e${offset}`,
        ts_utc: new Date(Date.UTC(2026, 1, 10, 0, minute)).toISOString(),
        payload: { flow_id, amount },
      });
    event(1, 0, 'f1', 10.5);
    event(2, 30, 'f1', 2);
    event(3, 31, 'f2', 100);
    const fourth = event(4, 75, 'f1', 1); // 75 minutes in: the event at minute 0 left the 1h window
    expect(fourth).toMatchObject({ event_count_1h: 1, amount_sum_1h: '2', event_count_24h: 2, amount_sum_24h: '12.5' });
  });

  it('serves the FeatureProfiles port: resolve(id, version) translates the group the reference resolver would match', async () => {
    const profiles = createReferenceFeatureProfiles(repoProfile(), { pin: repoPin() });
    const resolved = await profiles.resolve('core_features', 'v1');
    expect(resolved).toEqual(translateReferenceProfile(repoProfile(), { pin: repoPin() }).resolved);
    expect(resolved.ref).toBe('features_profile_vec.yaml');
    await expect(profiles.resolve('core_features', 'v2')).rejects.toMatchObject({ code: 'FEATURE_PROFILE_PIN_MISMATCH' });
    await expect(createReferenceFeatureProfiles(repoProfile()).resolve('core_features', 'v2')).rejects.toMatchObject({
      code: 'FEATURE_PROFILE_UNRESOLVED',
    });
  });
});
