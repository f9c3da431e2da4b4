// A shard worker of `reconstructSharded`: builds the rows of one topic partition at a time with
// the same row loop as the one-thread build (`buildRows`), asking the main thread for labels and
// to store parts. Loaded by `worker_threads`; not imported by anything else.
import { parentPort } from 'node:worker_threads';
import { type LabelBatchResolver, type ObjectStore, OfsError, type ReplayRecord, type SubjectLabels } from '@ofs/contracts';
import { buildRows, type PreparedReconstruction, prepareReconstruction } from './reconstruct.js';
import { type FromShard, fromWireError, type ToShard, toWireError } from './shard-protocol.js';

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
      const q = new RecordQueue();
      queue = q;
      buildRows(init!.plan, q, { labels, store }, {}, prep!).then(
        (pass) => send({ type: 'partition-done', pass }),
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
