import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import {
  type FeatureProfiles,
  isSafeKeySegment,
  OfsError,
  parseFeatureProfile,
  type ResolvedFeatureProfile,
  throwIfAborted,
} from '@ofs/contracts';
import { digestOf } from '@ofs/ids';

/** Options of `createFileFeatureProfiles`. */
export interface FileFeatureProfilesOptions {
  /** Directory holding `{feature_set_id}/{feature_set_version}.json` files. */
  root: string;
}

/** Largest profile file read (a profile is configuration, not data). */
const MAX_PROFILE_BYTES = 4 * 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Feature profiles from versioned JSON files: `{root}/{feature_set_id}/{feature_set_version}.json`.
 * Each `resolve` reads the file (no cache, so a changed file is seen and the plan can report
 * `FEATURE_PROFILE_DRIFT`), validates it with `parseFeatureProfile`, checks that the id and
 * version it declares are the ones asked for, and digests its canonical JSON — so whitespace or
 * key order never changes the digest, and any change of meaning does.
 *
 * Errors: id or version not a safe file name, or no such file → `FEATURE_PROFILE_UNRESOLVED`;
 * not UTF-8 JSON, not a valid profile, or declaring another id/version → `FEATURE_PROFILE_INVALID`;
 * a symlink leaving `root` → `REF_INVALID`; other I/O failures → `STORE_UNAVAILABLE`.
 */
export function createFileFeatureProfiles(options: FileFeatureProfilesOptions): FeatureProfiles {
  const base = resolve(options.root);
  return {
    async resolve(featureSetId, featureSetVersion, opts): Promise<ResolvedFeatureProfile> {
      throwIfAborted(opts?.signal);
      const wanted = `${featureSetId}@${featureSetVersion}`;
      if (!isSafeKeySegment(featureSetId) || !isSafeKeySegment(featureSetVersion) || featureSetVersion.length > 123) {
        throw new OfsError('FEATURE_PROFILE_UNRESOLVED', {
          message: `feature profile ${JSON.stringify(wanted)}: id and version must be safe file names ([A-Za-z0-9._=-])`,
          details: { feature_set_id: featureSetId, feature_set_version: featureSetVersion },
        });
      }
      const ref = `${featureSetId}/${featureSetVersion}.json`;
      const bytes = await readConfined(base, featureSetId, `${featureSetVersion}.json`, ref);
      if (bytes === undefined) {
        throw new OfsError('FEATURE_PROFILE_UNRESOLVED', {
          message: `feature profile ${wanted} not found (expected ${ref} under the profile root)`,
          details: { feature_set_id: featureSetId, feature_set_version: featureSetVersion, ref },
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(decoder.decode(bytes));
      } catch (error) {
        throw new OfsError('FEATURE_PROFILE_INVALID', {
          message: `feature profile ${ref} is not UTF-8 JSON`,
          details: { ref },
          cause: error,
        });
      }
      const profile = parseFeatureProfile(json);
      if (profile.feature_set_id !== featureSetId || profile.feature_set_version !== featureSetVersion) {
        throw new OfsError('FEATURE_PROFILE_INVALID', {
          message: `feature profile ${ref} declares ${profile.feature_set_id}@${profile.feature_set_version}, not ${wanted}`,
          details: { ref, declared: `${profile.feature_set_id}@${profile.feature_set_version}` },
        });
      }
      return { ref, profile, digest: digestOf(profile) };
    },
  };
}

async function readConfined(base: string, dirName: string, fileName: string, ref: string): Promise<Uint8Array | undefined> {
  let root: string;
  let dir: string;
  try {
    root = await realpath(base);
    dir = await realpath(join(root, dirName));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw unavailable(error, ref);
  }
  if (dir !== root && !dir.startsWith(root + sep)) {
    throw new OfsError('REF_INVALID', { message: `feature profile ${ref} resolves outside the profile root`, details: { ref } });
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(join(dir, fileName), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if ((error as { code?: string }).code === 'ELOOP') {
      throw new OfsError('REF_INVALID', { message: `feature profile ${ref} is a symlink`, details: { ref } });
    }
    throw unavailable(error, ref);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > MAX_PROFILE_BYTES) {
      throw new OfsError('FEATURE_PROFILE_INVALID', {
        message: `feature profile ${ref} exceeds ${MAX_PROFILE_BYTES} bytes`,
        details: { ref },
      });
    }
    return new Uint8Array(await handle.readFile());
  } catch (error) {
    if (error instanceof OfsError) throw error;
    throw unavailable(error, ref);
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function unavailable(error: unknown, ref: string): OfsError {
  const text = error instanceof Error ? error.message : String(error);
  return new OfsError('STORE_UNAVAILABLE', { message: `reading feature profile ${ref}: ${text}`, details: { ref }, cause: error });
}
