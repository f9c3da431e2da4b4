import type { AbortOptions } from './common.js';

/** Result of `putIfAbsent`: created, or the bytes that were already there. */
export type PutResult = { created: true } | { created: false; existing: Uint8Array };

/** Options of `ObjectStore.list`. */
export interface ListOptions extends AbortOptions {
  /** Resume strictly after this key. */
  after?: string;
  /** Return at most this many keys. */
  limit?: number;
}

/**
 * Write-once object storage. Keys are store-relative (`assertObjectKey`); objects are never
 * replaced, so `putIfAbsent` is the only write.
 */
export interface ObjectStore {
  /** The object's bytes, or `undefined` when absent. */
  get(key: string, options?: AbortOptions): Promise<Uint8Array | undefined>;
  /** Atomically creates `key`; never replaces an existing object. */
  putIfAbsent(key: string, bytes: Uint8Array, options?: AbortOptions): Promise<PutResult>;
  /** Keys under `prefix` in ascending (byte) order, starting after `after`. */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  /**
   * Deletes an object. Optional: only garbage collection of unreferenced parts uses it, and
   * only stores that support it implement it.
   */
  delete?(key: string, options?: AbortOptions): Promise<void>;
  /** Last-modified time in epoch ms, if the store knows it (used by `gc` grace periods). */
  stat?(key: string, options?: AbortOptions): Promise<{ size: number; modifiedMs: number } | undefined>;
}
