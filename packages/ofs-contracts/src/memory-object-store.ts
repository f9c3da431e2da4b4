import { throwIfAborted } from './errors.js';
import { assertObjectKey, assertObjectKeyPrefix } from './object-key.js';
import { type Clock, systemClock } from './ports/common.js';
import type { ObjectStore } from './ports/object-store.js';

/** Options of `createMemoryObjectStore`. */
export interface MemoryObjectStoreOptions {
  /** Source of `stat().modifiedMs` (default: the system clock). */
  clock?: Clock;
}

interface StoredObject {
  readonly bytes: Uint8Array;
  readonly modifiedMs: number;
}

/**
 * An in-memory `ObjectStore` for tests and embedding. Bytes are copied in and out, so callers
 * can never mutate a stored object; `putIfAbsent` is atomic because the check and the insert
 * happen in one synchronous step. Implements the optional `delete` and `stat`.
 */
export function createMemoryObjectStore(options: MemoryObjectStoreOptions = {}): ObjectStore {
  const clock = options.clock ?? systemClock;
  const objects = new Map<string, StoredObject>();
  let sortedKeys: string[] | undefined;

  const keysInOrder = (): string[] => {
    sortedKeys ??= [...objects.keys()].sort();
    return sortedKeys;
  };

  return {
    async get(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const found = objects.get(key);
      return found === undefined ? undefined : found.bytes.slice();
    },

    async putIfAbsent(key, bytes, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const found = objects.get(key);
      if (found !== undefined) return { created: false, existing: found.bytes.slice() };
      objects.set(key, { bytes: Uint8Array.from(bytes), modifiedMs: clock.now() });
      sortedKeys = undefined;
      return { created: true };
    },

    async *list(prefix, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKeyPrefix(prefix);
      const limit = opts?.limit ?? Number.POSITIVE_INFINITY;
      if (limit <= 0) return;
      const keys = keysInOrder();
      const after = opts?.after;
      let i = lowerBound(keys, after !== undefined && after > prefix ? after : prefix);
      let yielded = 0;
      for (; i < keys.length && yielded < limit; i++) {
        const key = keys[i] as string;
        if (!key.startsWith(prefix)) break;
        if (after !== undefined && key <= after) continue;
        throwIfAborted(opts?.signal);
        yield key;
        yielded++;
      }
    },

    async delete(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      if (objects.delete(key)) sortedKeys = undefined;
    },

    async stat(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const found = objects.get(key);
      return found === undefined ? undefined : { size: found.bytes.byteLength, modifiedMs: found.modifiedMs };
    },
  };
}

/** Index of the first key `>= target` in an ascending array. */
function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
