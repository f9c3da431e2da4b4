import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOfsError } from '@ofs/contracts';
import { describeFeatureProfilesContract } from '@ofs/contracts/testing';
import { canonicalJson, sha256Hex } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileFeatureProfiles } from './file-feature-profiles.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function profileRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-profiles-'));
  dirs.push(dir);
  return dir;
}

const profile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'core_features',
  feature_set_version: 'v1',
  entities: { card: 'card_id' },
  features: [
    { name: 'amount', kind: 'field', path: 'amount' },
    { name: 'card_count_1h', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 3600 },
  ],
};

async function writeProfile(root: string, id: string, version: string, content: string): Promise<void> {
  await mkdir(join(root, id), { recursive: true });
  await writeFile(join(root, id, `${version}.json`), content);
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isOfsError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected an OfsError');
}

describe('createFileFeatureProfiles', () => {
  it('resolves a profile with its root-relative ref and canonical digest', async () => {
    const root = await profileRoot();
    await writeProfile(root, 'core_features', 'v1', JSON.stringify(profile, null, 2));
    const resolved = await createFileFeatureProfiles({ root }).resolve('core_features', 'v1');
    expect(resolved.ref).toBe('core_features/v1.json');
    expect(resolved.profile).toEqual(profile);
    expect(resolved.digest).toBe(sha256Hex(canonicalJson(profile)));
  });

  it('digests meaning, not formatting: key order and whitespace do not change it, content does', async () => {
    const root = await profileRoot();
    const profiles = createFileFeatureProfiles({ root });
    await writeProfile(root, 'a', 'v1', JSON.stringify({ ...profile, feature_set_id: 'a' }));
    const reordered = Object.fromEntries(Object.entries({ ...profile, feature_set_id: 'b' }).reverse());
    await writeProfile(root, 'b', 'v1', `\n${JSON.stringify(reordered, null, 4)}\n`);
    const a = await profiles.resolve('a', 'v1');
    const b = await profiles.resolve('b', 'v1');
    expect(a.digest).toBe(sha256Hex(canonicalJson({ ...profile, feature_set_id: 'a' })));
    expect(b.digest).toBe(sha256Hex(canonicalJson({ ...profile, feature_set_id: 'b' })));
    await writeProfile(root, 'a', 'v1', JSON.stringify({ ...profile, feature_set_id: 'a', description: 'changed' }));
    expect((await profiles.resolve('a', 'v1')).digest).not.toBe(a.digest);
  });

  it('is FEATURE_PROFILE_UNRESOLVED for a missing file or unsafe id/version', async () => {
    const root = await profileRoot();
    const profiles = createFileFeatureProfiles({ root });
    expect((await failure(profiles.resolve('core_features', 'v9'))).code).toBe('FEATURE_PROFILE_UNRESOLVED');
    for (const [id, version] of [
      ['..', 'v1'],
      ['core', '../../etc/passwd'],
      ['/abs', 'v1'],
      ['core', 'v1/x'],
      ['', 'v1'],
      ['core\u0000', 'v1'],
    ] as const) {
      expect((await failure(profiles.resolve(id, version))).code).toBe('FEATURE_PROFILE_UNRESOLVED');
    }
  });

  it('is FEATURE_PROFILE_INVALID for non-JSON, an invalid profile (naming the feature) or another id/version', async () => {
    const root = await profileRoot();
    const profiles = createFileFeatureProfiles({ root });
    await writeProfile(root, 'broken', 'v1', '{"schema_version": ');
    expect((await failure(profiles.resolve('broken', 'v1'))).code).toBe('FEATURE_PROFILE_INVALID');
    await writeProfile(
      root,
      'core_features',
      'v2',
      JSON.stringify({
        ...profile,
        feature_set_version: 'v2',
        features: [{ name: 'ip_sum', kind: 'window', entity: 'ip', aggregate: 'sum', path: 'amount', window_seconds: 60 }],
      }),
    );
    const invalid = await failure(profiles.resolve('core_features', 'v2'));
    expect(invalid).toMatchObject({ code: 'FEATURE_PROFILE_INVALID', details: { feature: 'ip_sum' } });
    await writeProfile(root, 'core_features', 'v3', JSON.stringify(profile));
    expect((await failure(profiles.resolve('core_features', 'v3'))).code).toBe('FEATURE_PROFILE_INVALID');
  });

  it('refuses symlinks that leave the profile root', async () => {
    const outside = await profileRoot();
    const root = await profileRoot();
    await writeProfile(outside, 'core_features', 'v1', JSON.stringify(profile));
    await symlink(join(outside, 'core_features'), join(root, 'core_features'));
    await mkdir(join(root, 'linked'));
    await symlink(join(outside, 'core_features', 'v1.json'), join(root, 'linked', 'v1.json'));
    const profiles = createFileFeatureProfiles({ root });
    expect((await failure(profiles.resolve('core_features', 'v1'))).code).toBe('REF_INVALID');
    expect((await failure(profiles.resolve('linked', 'v1'))).code).toBe('REF_INVALID');
  });
});

describeFeatureProfilesContract('file', async (list) => {
  const root = await profileRoot();
  for (const p of list) await writeProfile(root, p.feature_set_id, p.feature_set_version, JSON.stringify(p, null, 2));
  return createFileFeatureProfiles({ root });
});
