import { type AbortOptions, OfsError, type ObjectStore, toOfsError } from '@ofs/contracts';
import { canonicalJson } from './canonical-json.js';
import { utf8 } from './sha256.js';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Writes `value` as canonical JSON bytes at `key`, write-once. Returns `created` when this call
 * created it and `identical` when the same bytes were already there (a retry converges); throws
 * `ARTIFACT_IMMUTABILITY_VIOLATION` when different bytes exist (never overwritten).
 */
export async function writeOnceJson(
  store: ObjectStore,
  key: string,
  value: unknown,
  options?: AbortOptions,
): Promise<'created' | 'identical'> {
  return writeOnceBytes(store, key, utf8(canonicalJson(value)), options);
}

/** `writeOnceJson` for bytes you already have (e.g. a dataset part). */
export async function writeOnceBytes(
  store: ObjectStore,
  key: string,
  bytes: Uint8Array,
  options?: AbortOptions,
): Promise<'created' | 'identical'> {
  let result: Awaited<ReturnType<ObjectStore['putIfAbsent']>>;
  try {
    result = await store.putIfAbsent(key, bytes, options);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `writing ${key}`);
  }
  if (result.created) return 'created';
  if (equalBytes(result.existing, bytes)) return 'identical';
  throw new OfsError('ARTIFACT_IMMUTABILITY_VIOLATION', {
    message: `${key} already exists with different content; it is never overwritten`,
    details: { key, existing_bytes: result.existing.byteLength, new_bytes: bytes.byteLength },
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads and parses a JSON object; `undefined` when absent; `ARTIFACT_CORRUPT` when not valid UTF-8 JSON. */
export async function readJson(store: ObjectStore, key: string, options?: AbortOptions): Promise<unknown | undefined> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, options);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new OfsError('ARTIFACT_CORRUPT', { message: `${key} is not valid JSON`, details: { key }, cause: error });
  }
}
