// A shard worker of `reconstructSharded`: builds the rows of one topic partition at a time with
// the same row loop as the one-thread build (`buildRows`), asking the main thread for labels and
// to store parts. Loaded by `worker_threads`; not imported by anything else.
import { parentPort } from 'node:worker_threads';
import {
  type BuildPlan,
  type LabelBatchResolver,
  type ObjectStore,
  OfsError,
  type ReplayRecord,
  type ReplaySlice,
  type SubjectLabels,
} from '@ofs/contracts';
import { buildRows, type PreparedReconstruction, prepareReconstruction } from './reconstruct.js';
import { type FromShard, fromWireError, type ShardPartitionReader, type ToShard, toWireError } from './shard-protocol.js';

const port = parentPort;
if (port === null) throw new Error('shard-worker.js must run in a worker thread');

const send = (message: FromShard, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer ?? []);

/** Records of the current partition, fed by `records` messages, read by the row loop. */
class RecordQueue implements AsyncIterable<ReplayRecord> {
  private batches: (readonly ReplayRecord[])[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(records: readonly ReplayRecord[]): void {
    this.batches.push(records);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReplayRecord> {
    for (;;) {
      const batch = this.batches.shift();
      if (batch !== undefined) {
        // Acknowledged as it is taken, so the main thread keeps a bounded number in flight.
        send({ type: 'ack', records: batch.length, rows: 0 });
        yield* batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

let nextId = 0;
const pendingLabels = new Map<number, { resolve: (r: SubjectLabels[]) => void; reject: (e: OfsError) => void }>();
const pendingStores = new Map<number, { resolve: () => void; reject: (e: OfsError) => void }>();

/** Labels are resolved by the main thread's resolver (one resolver, one receipt). */
const labels: LabelBatchResolver = {
  resolveBatch(subjects) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pendingLabels.set(id, { resolve, reject });
      send({ type: 'labels', id, subjects: [...subjects] });
    });
  },
  finish() {
    return Promise.reject(new OfsError('INTERNAL_ERROR', { message: 'a shard worker never finishes label resolution' }));
  },
};

/** Parts are written by the main thread (write-once); the bytes are moved, not copied. */
const store: ObjectStore = {
  async get() {
    throw new OfsError('INTERNAL_ERROR', { message: 'a shard worker only writes parts' });
  },
  putIfAbsent(key, bytes) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pendingStores.set(id, { resolve: () => resolve({ created: true }), reject });
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      send({ type: 'store', id, key, bytes: own }, [own.buffer as ArrayBuffer]);
    });
  },
  // biome-ignore lint/correctness/useYield: a shard worker lists nothing
  async *list() {
    throw new OfsError('INTERNAL_ERROR', { message: 'a shard worker only writes parts' });
  },
};

/** Opens a partition through the host's reader module (loaded once per module URL). */
const readerModules = new Map<string, Promise<Record<string, unknown>>>();
async function readWith(reader: ShardPartitionReader, plan: BuildPlan, slices: readonly ReplaySlice[]) {
  let mod = readerModules.get(reader.module);
  if (mod === undefined) {
    mod = import(reader.module) as Promise<Record<string, unknown>>;
    readerModules.set(reader.module, mod);
  }
  const open = (await mod)[reader.exportName];
  if (typeof open !== 'function') {
    throw new OfsError('INTERNAL_ERROR', { message: `${reader.module} exports no function ${reader.exportName}` });
  }
  return open(plan, slices, reader.options, {}) as AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>;
}

/** The records but the agreed later occurrences (counted). */
async function* withoutDropped(
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  dropped: ReadonlyMap<string, string>,
  counter: { skipped: number },
): AsyncGenerator<ReplayRecord> {
  for await (const r of records) {
    if (dropped.size > 0 && dropped.get(r.offset) === r.event_id) {
      counter.skipped++;
      continue;
    }
    yield r;
  }
}

let init: Extract<ToShard, { type: 'init' }> | undefined;
let prep: PreparedReconstruction | undefined;
let queue: RecordQueue | undefined;

port.on('message', (message: ToShard) => {
  switch (message.type) {
    case 'init':
      init = message;
      prepareReconstruction(message.plan, { profile: message.profile, policy: message.policy }).then(
        (p) => {
          prep = p;
          send({ type: 'ready' });
        },
        (error: unknown) => send({ type: 'error', error: toWireError(error) }),
      );
      return;
    case 'partition': {
      const plan = init!.plan;
      if (message.read) {
        const { reader, slices, dropped } = message.read;
        const counter = { skipped: 0 };
        readWith(reader, plan, slices)
          .then((records) => buildRows(plan, withoutDropped(records, dropped, counter), { labels, store }, {}, prep!))
          .then(
            (pass) => send({ type: 'partition-done', pass, skipped: counter.skipped }),
            (error: unknown) => send({ type: 'error', error: toWireError(error) }),
          );
        return;
      }
      const q = new RecordQueue();
      queue = q;
      buildRows(plan, q, { labels, store }, {}, prep!).then(
        (pass) => send({ type: 'partition-done', pass, skipped: 0 }),
        (error: unknown) => send({ type: 'error', error: toWireError(error) }),
      );
      return;
    }
    case 'records':
      queue!.push(message.records);
      return;
    case 'end':
      queue!.end();
      return;
    case 'labels-result': {
      const pending = pendingLabels.get(message.id);
      pendingLabels.delete(message.id);
      if (message.error) pending?.reject(fromWireError(message.error));
      else pending?.resolve(message.result ?? []);
      return;
    }
    case 'store-result': {
      const pending = pendingStores.get(message.id);
      pendingStores.delete(message.id);
      if (message.error) pending?.reject(fromWireError(message.error));
      else pending?.resolve();
      return;
    }
  }
});
