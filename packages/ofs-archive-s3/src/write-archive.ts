import type { AbortOptions, ObjectStore, ReplayRecord } from '@ofs/contracts';
import { type ArchiveRecordContext, encodeArchiveRecord } from './archive-record.js';
import { archiveRecordKey } from './layout.js';

/** Options of `writeArchiveRecords`. */
export interface WriteArchiveOptions extends AbortOptions {
  readonly store: ObjectStore;
  /** Run context written beside each event (`platform_run_id` also prefixes every key). */
  readonly context: ArchiveRecordContext;
  readonly records: Iterable<ReplayRecord> | AsyncIterable<ReplayRecord>;
  /** Objects written at once (default 16). */
  readonly concurrency?: number;
}

/** What `writeArchiveRecords` did. */
export interface WriteArchiveResult {
  /** Objects created. */
  readonly created: number;
  /** Offsets already archived (the first write wins; the archive is write-once). */
  readonly existing: number;
}

/** Waits for every write, then throws the first failure (no write is left unobserved). */
async function settle(writes: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Writes records the way the reference archive writer does: one write-once
 * `archive_event_record_v0` object per offset (`putIfAbsent`; an offset already archived keeps
 * its first record). For tests, demos and migrations into an archive.
 */
export async function writeArchiveRecords(options: WriteArchiveOptions): Promise<WriteArchiveResult> {
  const { store, context } = options;
  const limit = Math.max(1, options.concurrency ?? 16);
  let created = 0;
  let existing = 0;
  let inFlight: Promise<void>[] = [];
  const put = async (r: ReplayRecord) => {
    const key = archiveRecordKey(context.platform_run_id, r.topic, r.partition, r.offset_kind, r.offset);
    const result = await store.putIfAbsent(key, encodeArchiveRecord(r, context), options.signal ? { signal: options.signal } : {});
    if (result.created) created++;
    else existing++;
  };
  for await (const r of options.records) {
    inFlight.push(put(r));
    if (inFlight.length >= limit) {
      await settle(inFlight);
      inFlight = [];
    }
  }
  await settle(inFlight);
  return { created, existing };
}
