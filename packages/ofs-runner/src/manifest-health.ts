import { type ObjectStore, OfsError, type RunEvent, type RunRecord, toOfsError } from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import { recordedManifestSha256 } from '@ofs/publish';

/** Whether a DONE run's manifest is still in the store as the run recorded it. */
export interface ManifestHealth {
  /** `undefined` for runs that published nothing. */
  readonly manifest?: { key: string; present: boolean; sha256: string | null; recorded_sha256: string | null };
  /** `MANIFEST_MISSING` or `DATASET_INTEGRITY_VIOLATION` when the store disagrees with the run. */
  readonly error?: OfsError;
}

/**
 * Checks a DONE run's manifest against the store: present, and hashing to the sha256 the run
 * recorded (when it recorded one). Reads one object; never writes.
 */
export async function manifestHealth(
  store: ObjectStore,
  run: RunRecord,
  events: readonly RunEvent[],
  signal?: AbortSignal,
): Promise<ManifestHealth> {
  if (run.state !== 'DONE' || run.manifest_key === null) return {};
  const key = run.manifest_key;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, signal ? { signal } : {});
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
  const recorded = recordedManifestSha256(run, events);
  if (bytes === undefined) {
    return {
      manifest: { key, present: false, sha256: null, recorded_sha256: recorded },
      error: new OfsError('MANIFEST_MISSING', {
        message: `run ${run.run_key} is DONE, but its manifest ${key} is missing from the store; re-create it with: ofs retry-publish ${run.run_key}`,
        details: { manifest_key: key, run_keys: [run.run_key] },
      }),
    };
  }
  const sha256 = sha256Hex(bytes);
  const manifest = { key, present: true, sha256, recorded_sha256: recorded };
  if (recorded !== null && recorded !== sha256) {
    return {
      manifest,
      error: new OfsError('DATASET_INTEGRITY_VIOLATION', {
        message: `${key} hashes to ${sha256}, run ${run.run_key} recorded ${recorded}; run ofs verify ${key} for every difference`,
        details: {
          manifest_key: key,
          differences: [
            {
              check: 'ledger.manifest_sha256',
              key,
              message: `run ${run.run_key} recorded another sha256`,
              expected: recorded,
              actual: sha256,
            },
          ],
        },
      }),
    };
  }
  return { manifest };
}
