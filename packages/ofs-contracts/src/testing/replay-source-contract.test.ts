// The contract suite's own path for servers that assign offsets, exercised without a server: a
// small log that numbers every record with one global sequence (as JetStream does) and fails
// closed when a record its coverage promised was removed.
import { OfsError } from '../errors.js';
import type { ReplaySlice } from '../records/intent.js';
import type { OffsetRange, ReplayRecord } from '../records/replay.js';
import type { ReplaySource } from '../ports/replay-source.js';
import { describeReplaySourceContract } from './replay-source-contract.js';

function abortCheck(signal?: AbortSignal): void {
  if (signal?.aborted) throw new OfsError('ABORTED');
}

/** Global sequence 3, 5, 7, …; partition = the record's partition; kind `jetstream_sequence`. */
function sequencedLog(given: readonly ReplayRecord[], failClosed: boolean) {
  const held: ReplayRecord[] = given.map((r, i) => ({ ...r, offset_kind: 'jetstream_sequence', offset: String(3 + 2 * i) }));
  const promised = new Map<string, Set<string>>();
  const key = (s: ReplaySlice) => `${s.topic}\u0000${s.partition}\u0000${s.offset_kind}`;
  const inRange = (r: ReplayRecord, s: ReplaySlice, lo: bigint, hi: bigint) =>
    r.topic === s.topic &&
    r.partition === s.partition &&
    r.offset_kind === s.offset_kind &&
    BigInt(r.offset) >= lo &&
    BigInt(r.offset) <= hi;
  const source: ReplaySource = {
    async coverage(s, options) {
      abortCheck(options?.signal);
      const mine = held.filter((r) => inRange(r, s, 0n, BigInt('9'.repeat(80))));
      if (mine.length === 0) return [];
      const first = BigInt(mine[0]!.offset);
      const last = BigInt(mine[mine.length - 1]!.offset);
      const lo = BigInt(s.start_offset) > first ? BigInt(s.start_offset) : first;
      const hi = BigInt(s.end_offset) < last ? BigInt(s.end_offset) : last;
      if (lo > hi) return [];
      const set = promised.get(key(s)) ?? new Set<string>();
      for (const r of mine) if (BigInt(r.offset) >= lo && BigInt(r.offset) <= hi) set.add(r.offset);
      promised.set(key(s), set);
      return [{ start: lo.toString(), end: hi.toString() }];
    },
    async *read(s, range: OffsetRange, options) {
      abortCheck(options?.signal);
      const lo = BigInt(range.start);
      const hi = BigInt(range.end);
      const out = held.filter((r) => inRange(r, s, lo, hi));
      if (failClosed) {
        const seen = new Set(out.map((r) => r.offset));
        for (const o of promised.get(key(s)) ?? []) {
          if (BigInt(o) >= lo && BigInt(o) <= hi && !seen.has(o)) throw new OfsError('REPLAY_RECORD_MISSING', { details: { offset: o } });
        }
      }
      yield* out;
    },
  };
  return {
    source,
    records: held.map((r) => ({ ...r })),
    remove: async (r: ReplayRecord) => {
      held.splice(
        held.findIndex((h) => h.offset === r.offset),
        1,
      );
    },
  };
}

describeReplaySourceContract('a log that assigns its own sequence', async (records) => sequencedLog(records, true));
