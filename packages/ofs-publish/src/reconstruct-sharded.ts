import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type AbortOptions,
  type BuildPlan,
  type DatasetPart,
  type DraftSliceCounts,
  isOfsError,
  OfsError,
  type ReplayRecord,
  type ReplaySlice,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { statsMarkers } from '@ofs/features';
import { PartitionDigests, writeOnceBytes } from '@ofs/ids';
import {
  type DatasetStats,
  DatasetStatsAccumulator,
  type LabelDelays,
  LabelDelayTally,
  mergeDatasetStats,
  mergeLabelDelays,
} from './dataset-stats.js';
import { EventIdSet } from './event-id-set.js';
import {
  assembleDraft,
  type DraftResult,
  emptySliceCounts,
  findSlice,
  isDuplicate,
  type PreparedReconstruction,
  prepareReconstruction,
  type ReconstructDeps,
  type ReconstructOptions,
  recordError,
  type RowsPass,
} from './reconstruct.js';
import { type FromShard, fromWireError, type ShardPartitionReader, type ToShard, toWireError } from './shard-protocol.js';

/** The replay of a plan as a sharded build reads it: once whole, then partition by partition. */
export interface ShardedRecords {
  /**
   * The plan's whole replay stream in basis order (`resolveReplay(plan).records`), read once in
   * the main thread to agree on duplicates across partitions before any window is updated.
   */
  readonly stream: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>;
  /**
   * The records of one topic partition's slices (in basis order), ascending by offset: the same
   * records the stream held there. Read once per partition, while other partitions are read.
   */
  partition(slices: readonly ReplaySlice[], options: AbortOptions): AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>;
  /**
   * Optional: a reader each worker loads and calls itself to read its partition (the same records
   * `partition` returns). Parsing then happens in the workers instead of the main thread, and no
   * record is copied between threads. Without it the main thread reads and sends the records.
   */
  readonly workerReader?: ShardPartitionReader;
}

/** Options of `reconstructSharded`. */
export interface ShardedReconstructOptions extends ReconstructOptions {
  /** Worker threads, one partition at a time each (default: the machine's available parallelism; at most the partition count). */
  threads?: number;
  /** Records sent to a worker per message (default 2,048). */
  batchRecords?: number;
  /** Batches in flight per worker before the reader waits (default 4): the memory bound per thread. */
  batchesInFlight?: number;
  /** Where the worker script is (default: `shard-worker.js` beside this module in `dist/`). */
  workerUrl?: URL;
}

/** One topic partition of the basis: its slices (basis order) and its rank in the basis. */
export interface BasisPartition {
  readonly topic: string;
  readonly partition: number;
  readonly rank: number;
  readonly sliceIndexes: number[];
}

/**
 * Reconstruction on worker threads, with the same bytes as `reconstruct` for any thread count
 * (recipes v3, DESIGN §12; D118).
 *
 * 1. **Duplicates first.** The main thread reads the whole replay stream once in basis order and
 *    applies the one-thread dedupe rule (first occurrence wins; another payload hash is
 *    `REPLAY_EVENT_ID_CONFLICT`), keeping only the offsets of later occurrences per partition.
 * 2. **Partitions in parallel.** Each worker builds one topic partition at a time with the
 *    one-thread row loop (windows, rows, partition-local parts, per-partition rows digest); the
 *    main thread re-reads that partition, leaves out the agreed duplicates, and feeds it in
 *    bounded batches (backpressure). Labels are resolved by the one resolver in the main thread
 *    (its digest is per partition, so the interleaving of batches does not matter); parts are
 *    written by the main thread, write-once.
 * 3. **Merge.** Parts in basis order, counts added per slice, rows digests combined in basis
 *    order; then the same label receipt, statistics and draft as the one-thread build.
 *
 * A partition that reads differently the second time is `REPLAY_SOURCE_UNSTABLE`; a worker
 * that throws fails the build with the worker's code; aborting terminates every worker.
 */
export async function reconstructSharded<LabelReceipt = unknown>(
  plan: BuildPlan,
  records: ShardedRecords,
  deps: ReconstructDeps<LabelReceipt>,
  options: ShardedReconstructOptions = {},
): Promise<DraftResult<LabelReceipt>> {
  try {
    return await runSharded(plan, records, deps, options);
  } catch (error) {
    if (isOfsError(error)) throw error;
    throw new OfsError('INTERNAL_ERROR', {
      message: `sharded reconstruction failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

/** The default worker script: `dist/shard-worker.js` (also when this module runs from `src/` in tests). */
export function defaultShardWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/shard-worker.js', here) : new URL('./shard-worker.js', here);
}

async function runSharded<LabelReceipt>(
  plan: BuildPlan,
  records: ShardedRecords,
  deps: ReconstructDeps<LabelReceipt>,
  options: ShardedReconstructOptions,
): Promise<DraftResult<LabelReceipt>> {
  const { signal } = options;
  throwIfAborted(signal);
  const prep = await prepareReconstruction(plan, deps);
  const partitions = basisPartitions(plan.replay_basis);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), partitions.length));
  const workerUrl = options.workerUrl ?? defaultShardWorkerUrl();
  if (workerUrl.protocol === 'file:' && !existsSync(fileURLToPath(workerUrl))) {
    throw new OfsError('INTERNAL_ERROR', {
      message: `the shard worker script ${fileURLToPath(workerUrl)} does not exist (build @ofs/publish first: pnpm build)`,
    });
  }

  // 1. Duplicates across partitions, agreed before any window is updated. The first pass runs
  // beside the workers: a partition is handed out as soon as the pass has read past it (its
  // repeats of earlier partitions are known then; later partitions cannot change them).
  const ready = partitions.map(() => deferred());
  const dropped = new Map<number, Map<string, string>>();
  // Stops the first pass when the build fails elsewhere (a worker's error, an abort).
  const stopFirstPass = new AbortController();
  const firstPassSignal = signal ? AbortSignal.any([signal, stopFirstPass.signal]) : stopFirstPass.signal;
  const agreeing = agreeOnDuplicates(plan, records.stream, { ...options, signal: firstPassSignal }, partitions, dropped, (rank) =>
    ready[rank]?.resolve(),
  );
  agreeing.then(
    () => {
      for (const r of ready) r.resolve();
    },
    (error: unknown) => {
      for (const r of ready) r.reject(error);
    },
  );

  // 2. Partitions on workers.
  const results = new Map<number, RowsPass>();
  let recordsFed = 0;
  let rowsWritten = 0;
  let labelsResolved = 0;
  const report = () => options.onProgress?.({ records_read: recordsFed, labels_resolved: labelsResolved, rows_written: rowsWritten });
  const pool = await startWorkers(threads, workerUrl, { type: 'init', plan, profile: deps.profile, policy: deps.policy }, signal);
  try {
    let next = 0;
    const runWorker = async (worker: ShardWorker) => {
      while (next < partitions.length) {
        const p = partitions[next++] as BasisPartition;
        await (ready[p.rank] as Deferred).promise;
        const slices = p.sliceIndexes.map((i) => plan.replay_basis[i] as ReplaySlice);
        const source = records.workerReader
          ? { reader: records.workerReader, slices }
          : records.partition(slices, signal ? { signal } : {});
        const pass = await worker.build(p, source, dropped.get(p.rank), {
          deps,
          batchRecords: options.batchRecords ?? 2_048,
          inFlight: options.batchesInFlight ?? 4,
          signal,
          onRecords: (n) => {
            recordsFed += n;
            if ((recordsFed & 0xfff) < n) report();
          },
          onLabels: (n) => {
            labelsResolved += n;
          },
        });
        results.set(p.rank, pass);
        for (const c of pass.counts) rowsWritten += c.rows;
        report();
      }
    };
    await Promise.all([...pool.workers.map(runWorker), agreeing]);
  } catch (error) {
    stopFirstPass.abort();
    throw error;
  } finally {
    await pool.close();
  }
  throwIfAborted(signal);

  const agreed = await agreeing;
  // 3. Merge in basis order.
  const merged = mergePasses(plan, prep, partitions, results, agreed.counts);
  return assembleDraft(plan, prep, merged, deps, options);
}

/** The distinct topic partitions of the basis, in basis order, with their slices. */
export function basisPartitions(slices: readonly ReplaySlice[]): BasisPartition[] {
  const byKey = new Map<string, BasisPartition>();
  slices.forEach((s, i) => {
    const key = `${s.topic}/${s.partition}`;
    let p = byKey.get(key);
    if (p === undefined) {
      p = { topic: s.topic, partition: s.partition, rank: byKey.size, sliceIndexes: [] };
      byKey.set(key, p);
    }
    p.sliceIndexes.push(i);
  });
  return [...byKey.values()];
}

/** What the first pass agreed besides the dropped offsets: the per-slice record counts. */
export interface AgreedDuplicates {
  /** Per slice: records read and duplicates dropped. */
  readonly counts: { records: number; duplicates: number }[];
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The first pass of a sharded build: reads the whole stream in basis order with the one-thread
 * dedupe rule, collecting per partition rank the offsets of later occurrences (`dropped`) and per
 * slice the records read and duplicates dropped. `partitionRead(rank)` is called as soon as the
 * pass has read past a partition's last slice.
 */
export async function agreeOnDuplicates(
  plan: BuildPlan,
  stream: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  options: AbortOptions & { expectedEvents?: number },
  partitions: readonly BasisPartition[],
  dropped: Map<number, Map<string, string>>,
  partitionRead: (rank: number) => void = () => {},
): Promise<AgreedDuplicates> {
  const slices = plan.replay_basis;
  const rankOf = new Map(partitions.map((p) => [`${p.topic}/${p.partition}`, p.rank]));
  const seen = new EventIdSet(options.expectedEvents);
  const counts = slices.map(() => ({ records: 0, duplicates: 0 }));
  // The last slice of each partition rank: once the pass is beyond it, that partition is agreed.
  const lastSlice = partitions.map((p) => p.sliceIndexes[p.sliceIndexes.length - 1] as number);
  let nextRank = 0;
  const releaseBefore = (slice: number) => {
    while (nextRank < lastSlice.length && (lastSlice[nextRank] as number) < slice) partitionRead(nextRank++);
  };
  let sliceIndex = 0;
  let read = 0;
  try {
    for await (const r of stream) {
      if ((++read & 4095) === 0) throwIfAborted(options.signal);
      // Membership and order are checked again, record by record, by the worker's row loop;
      // here a record only needs a slice to be counted in.
      const at = findSlice(slices, sliceIndex, r);
      if (at < 0) throw recordError(r, 'is outside the remaining replay basis slices (foreign or out of order)');
      sliceIndex = at;
      releaseBefore(sliceIndex);
      const c = counts[sliceIndex] as { records: number; duplicates: number };
      c.records++;
      if (isDuplicate(seen, r)) {
        c.duplicates++;
        const rank = rankOf.get(`${r.topic}/${r.partition}`) as number;
        let offsets = dropped.get(rank);
        if (offsets === undefined) dropped.set(rank, (offsets = new Map()));
        offsets.set(r.offset, r.event_id);
      }
    }
  } catch (error) {
    throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', 'reading the replay stream');
  }
  return { counts };
}

/** Parts in basis order, counts per slice, rows digests combined in basis order. */
export function mergePasses(
  plan: BuildPlan,
  prep: PreparedReconstruction,
  partitions: readonly BasisPartition[],
  results: Map<number, RowsPass>,
  agreed: AgreedDuplicates['counts'],
): RowsPass {
  const { labelTypes } = prep;
  const columns = prep.layout.columns;
  const markers = statsMarkers(prep.profile);
  const counts = emptySliceCounts(plan.replay_basis);
  const rankOf = new Map(partitions.map((p) => [`${p.topic}/${p.partition}`, p.rank]));
  const digests = new PartitionDigests((topic, partition) => rankOf.get(`${topic}/${partition}`) ?? -1);
  const parts: DatasetPart[] = [];
  let labelDelays: LabelDelays = new LabelDelayTally(labelTypes).result();
  let stats: DatasetStats = new DatasetStatsAccumulator(columns, labelTypes, { markers }).result();
  let rows = 0;
  let bytes = 0;
  for (const p of partitions) {
    const pass = results.get(p.rank);
    if (pass === undefined) throw new OfsError('INTERNAL_ERROR', { message: `partition ${p.topic}/${p.partition} was not built` });
    for (const i of p.sliceIndexes) {
      const from = pass.counts[i] as DraftSliceCounts;
      const to = counts[i] as DraftSliceCounts;
      const first = agreed[i] as { records: number; duplicates: number };
      // The worker saw every record but the agreed duplicates: together they are what the
      // first pass read, or the source changed between the two reads.
      if (from.records + first.duplicates !== first.records || from.duplicates_dropped !== 0) {
        throw new OfsError('REPLAY_SOURCE_UNSTABLE', {
          message: `slice ${to.topic}/${to.partition} [${to.start_offset}, ${to.end_offset}] held ${first.records} records on the first read and ${from.records + first.duplicates} on the second`,
          details: { topic: to.topic, partition: to.partition, first_read: first.records, second_read: from.records + first.duplicates },
        });
      }
      to.records = first.records;
      to.duplicates_dropped = first.duplicates;
      to.row_events = from.row_events;
      to.rows = from.rows;
      to.immature = from.immature;
      to.immature_excluded = from.immature_excluded;
    }
    parts.push(...pass.written.parts);
    rows += pass.written.rows;
    bytes += pass.written.bytes;
    for (const d of pass.written.partitions) digests.set(d.topic, d.partition, d.digest);
    labelDelays = mergeLabelDelays(labelDelays, pass.labelDelays);
    stats = mergeDatasetStats(stats, pass.stats);
  }
  const partitionDigests = digests.partitions();
  return { counts, written: { parts, rows, bytes, rowsDigest: digests.digestHex(), partitions: partitionDigests }, labelDelays, stats };
}

interface BuildContext<LabelReceipt> {
  readonly deps: ReconstructDeps<LabelReceipt>;
  readonly batchRecords: number;
  readonly inFlight: number;
  readonly signal: AbortSignal | undefined;
  readonly onRecords: (n: number) => void;
  readonly onLabels: (n: number) => void;
}

/** A partition the worker reads itself. */
interface WorkerRead {
  readonly reader: ShardPartitionReader;
  readonly slices: readonly ReplaySlice[];
}

/** One worker thread and the main thread's side of its protocol. */
interface ShardWorker {
  build<LabelReceipt>(
    p: BasisPartition,
    records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord> | WorkerRead,
    dropped: Map<string, string> | undefined,
    ctx: BuildContext<LabelReceipt>,
  ): Promise<RowsPass>;
}

async function startWorkers(
  count: number,
  url: URL,
  init: ToShard,
  signal: AbortSignal | undefined,
): Promise<{ workers: ShardWorker[]; close(): Promise<void> }> {
  const threads: Worker[] = [];
  const workers: ShardWorker[] = [];
  const close = async () => {
    await Promise.all(threads.map((t) => t.terminate()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const thread = new Worker(url);
      threads.push(thread);
      workers.push(await shardWorker(thread, init, signal));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { workers, close };
}

/** Wires one thread: init, then `build` per partition (labels and part writes served here). */
async function shardWorker(thread: Worker, init: ToShard, signal: AbortSignal | undefined): Promise<ShardWorker> {
  type Handler = (message: FromShard) => void;
  let handler: Handler = () => {};
  let failed: ((error: OfsError) => void) | undefined;
  let fatal: OfsError | undefined;
  const fail = (error: OfsError) => {
    fatal ??= error;
    failed?.(error);
  };
  thread.on('message', (m: FromShard) => handler(m));
  thread.on('error', (error) => fail(toOfsError(error, 'INTERNAL_ERROR', 'running a shard worker')));
  thread.on('exit', (code) => {
    if (code !== 0) fail(new OfsError('INTERNAL_ERROR', { message: `a shard worker exited with code ${code}` }));
  });
  const onAbort = () => fail(new OfsError('ABORTED', { message: 'the build was aborted' }));
  signal?.addEventListener('abort', onAbort, { once: true });
  thread.once('exit', () => signal?.removeEventListener('abort', onAbort));

  await new Promise<void>((resolve, reject) => {
    failed = reject;
    handler = (m) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'error') reject(fromWireError(m.error));
    };
    thread.postMessage(init);
  });

  return {
    async build(p, records, dropped, ctx) {
      if (fatal) throw fatal;
      let inFlight = 0;
      let drained: (() => void) | undefined;
      const done = new Promise<RowsPass>((resolve, reject) => {
        failed = reject;
        handler = (m) => {
          switch (m.type) {
            case 'ack':
              inFlight--;
              ctx.onRecords(m.records);
              drained?.();
              return;
            case 'labels':
              ctx.deps.labels.resolveBatch(m.subjects, ctx.signal ? { signal: ctx.signal } : undefined).then(
                (result) => {
                  ctx.onLabels(result.length);
                  thread.postMessage({ type: 'labels-result', id: m.id, result } satisfies ToShard);
                },
                (error: unknown) =>
                  thread.postMessage({
                    type: 'labels-result',
                    id: m.id,
                    error: toWireError(toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'resolving a label batch')),
                  } satisfies ToShard),
              );
              return;
            case 'store':
              writeOnceBytes(ctx.deps.store, m.key, m.bytes, ctx.signal ? { signal: ctx.signal } : undefined).then(
                () => thread.postMessage({ type: 'store-result', id: m.id } satisfies ToShard),
                (error: unknown) => thread.postMessage({ type: 'store-result', id: m.id, error: toWireError(error) } satisfies ToShard),
              );
              return;
            case 'partition-done':
              resolve(m.pass);
              return;
            case 'error':
              reject(fromWireError(m.error));
              return;
            case 'ready':
              return;
          }
        };
      });
      // A failure while feeding is reported by `done` as well; never leave it unobserved.
      done.catch(() => undefined);
      if ('reader' in records) {
        const read = { reader: records.reader, slices: records.slices, dropped: dropped ?? new Map<string, string>() };
        thread.postMessage({ type: 'partition', topic: p.topic, partition: p.partition, read } satisfies ToShard);
        return await done;
      }
      thread.postMessage({ type: 'partition', topic: p.topic, partition: p.partition } satisfies ToShard);
      let batch: ReplayRecord[] = [];
      const post = async () => {
        while (inFlight >= ctx.inFlight) {
          if (fatal) throw fatal;
          await Promise.race([new Promise<void>((resolve) => (drained = resolve)), done.then(() => undefined)]);
        }
        inFlight++;
        thread.postMessage({ type: 'records', records: batch } satisfies ToShard);
        batch = [];
      };
      try {
        for await (const r of records) {
          if (fatal) throw fatal;
          if (dropped !== undefined) {
            const id = dropped.get(r.offset);
            if (id !== undefined && id === r.event_id) continue;
          }
          batch.push(r);
          if (batch.length >= ctx.batchRecords) await post();
        }
        if (batch.length > 0) await post();
      } catch (error) {
        if (isOfsError(error)) throw error;
        throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', `reading ${p.topic}/${p.partition}`);
      }
      thread.postMessage({ type: 'end' } satisfies ToShard);
      return await done;
    },
  };
}
