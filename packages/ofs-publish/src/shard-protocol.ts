import {
  isOfsError,
  OfsError,
  type OfsErrorCode,
  type BuildPlan,
  type DraftSliceCounts,
  type OfsPolicy,
  type ReplayRecord,
  type ReplaySlice,
  type ResolvedFeatureProfile,
  type SubjectLabels,
  type LabelSubject,
} from '@ofs/contracts';
import type { RowsPass } from './reconstruct.js';

/** An error as it crosses a thread boundary: the catalogue code survives. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
}

/** An error as it crosses to another thread (an unexpected one becomes `INTERNAL_ERROR`). */
export function toWireError(error: unknown): WireError {
  if (isOfsError(error)) return { code: error.code, message: error.message, retryable: error.retryable, details: error.details };
  return {
    code: 'INTERNAL_ERROR',
    message: `a shard worker failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    retryable: false,
  };
}

/** The `OfsError` a wire error stands for, with its code, retryability and details. */
export function fromWireError(error: WireError): OfsError {
  return new OfsError(error.code as OfsErrorCode, {
    message: error.message,
    retryable: error.retryable,
    ...(error.details ? { details: error.details } : {}),
  });
}

/** Messages from the build's main thread to a shard worker. */
export type ToShard =
  | { readonly type: 'init'; readonly plan: BuildPlan; readonly profile: ResolvedFeatureProfile; readonly policy: OfsPolicy }
  | {
      readonly type: 'partition';
      readonly topic: string;
      readonly partition: number;
      /** When set, the worker reads the partition itself through this reader and leaves out `dropped`. */
      readonly read?: {
        readonly reader: ShardPartitionReader;
        readonly slices: readonly ReplaySlice[];
        /** Offset → event id of the agreed later occurrences in this partition. */
        readonly dropped: ReadonlyMap<string, string>;
      };
    }
  | { readonly type: 'records'; readonly records: readonly ReplayRecord[] }
  | { readonly type: 'end' }
  | { readonly type: 'labels-result'; readonly id: number; readonly result?: SubjectLabels[]; readonly error?: WireError }
  | { readonly type: 'store-result'; readonly id: number; readonly error?: WireError };

/** Messages from a shard worker to the main thread. */
export type FromShard =
  | { readonly type: 'ready' }
  | { readonly type: 'ack'; readonly records: number; readonly rows: number }
  | { readonly type: 'labels'; readonly id: number; readonly subjects: LabelSubject[] }
  | { readonly type: 'store'; readonly id: number; readonly key: string; readonly bytes: Uint8Array }
  | { readonly type: 'partition-done'; readonly pass: RowsPass; readonly skipped: number }
  | { readonly type: 'error'; readonly error: WireError };

/**
 * A partition reader a worker thread can load by itself: the worker imports `module` and calls its
 * export `exportName` with the plan, the slices, `options` and `{ signal }`; it must return the
 * partition's records (what `ShardedRecords.partition` returns), e.g. segment files re-read in the worker instead of parsed and copied by the main
 * thread. `module` is an absolute URL; `options` must be structured-cloneable.
 */
export interface ShardPartitionReader {
  readonly module: string;
  readonly exportName: string;
  readonly options: unknown;
}

/** Counts of one slice, as a shard reports them. */
export type ShardSliceCounts = DraftSliceCounts;
