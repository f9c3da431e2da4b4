import type { ReplayRecord, ReplaySlice } from '@ofs/contracts';
import { writeSegmentFiles } from '@ofs/fs';

/** A push-to-pull bridge with backpressure: the generator pushes chunks, the segment writer pulls records. */
function createChannel() {
  const queue: (readonly ReplayRecord[])[] = [];
  let closed = false;
  let failure: unknown;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  const wake = () => {
    wakeReader?.();
    wakeReader = undefined;
  };
  return {
    async push(records: readonly ReplayRecord[]): Promise<void> {
      if (failure !== undefined) throw failure;
      queue.push(records);
      wake();
      while (queue.length > 2 && failure === undefined) await new Promise<void>((r) => (wakeWriter = r));
      if (failure !== undefined) throw failure;
    },
    close(): void {
      closed = true;
      wake();
    },
    fail(error: unknown): void {
      failure = error;
      wakeWriter?.();
    },
    async *records(): AsyncGenerator<ReplayRecord> {
      for (;;) {
        const next = queue.shift();
        if (next) {
          wakeWriter?.();
          wakeWriter = undefined;
          yield* next;
        } else if (closed) return;
        else await new Promise<void>((r) => (wakeReader = r));
      }
    },
  };
}

/**
 * Writes the demo's records as segment files for the EB and Archive sources (`@ofs/fs`'s
 * `writeSegmentFiles` layout), streaming: memory stays bounded however many events are generated.
 */
export function createDemoSegmentWriter(roots: { eb: string; archive: string }) {
  const eb = createChannel();
  const archive = createChannel();
  const start = (root: string, channel: ReturnType<typeof createChannel>) =>
    writeSegmentFiles({ root, records: channel.records(), segmentRecords: 10_000 }).catch((error: unknown) => {
      channel.fail(error);
      throw error;
    });
  const writers = [start(roots.eb, eb), start(roots.archive, archive)];
  for (const w of writers) w.catch(() => undefined);
  return {
    /** Adds records of one slice (ascending offsets) to one source. */
    write(_slice: ReplaySlice, source: 'EB' | 'ARCHIVE', records: readonly ReplayRecord[]): Promise<void> {
      return (source === 'EB' ? eb : archive).push(records);
    },
    /** Finishes both sources (writes each partition's index). */
    async close(): Promise<void> {
      eb.close();
      archive.close();
      await Promise.all(writers);
    },
  };
}
