import {
  type AbortOptions,
  type BackoffOptions,
  OfsError,
  type OffsetRange,
  type ReplayRecord,
  type ReplaySlice,
  type ReplaySource,
  throwIfAborted,
  withBackoff,
} from '@ofs/contracts';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { decodeEnvelope } from './envelope.js';
import { isNoMessage, toSourceError } from './errors.js';
import { defaultSubjectMapping, JETSTREAM_SEQUENCE, type SubjectMapping } from './subjects.js';

/** Options of `createNatsSource`. */
export interface NatsSourceOptions {
  /** A connected client (servers, credentials, TLS); the adapter never reads env or connects itself. */
  readonly connection: NatsConnection;
  /** The JetStream stream that holds the events. */
  readonly stream: string;
  /** Topic partition → subject (default `defaultSubjectMapping()`: `{topic}.{partition}`). */
  readonly subjectFor?: SubjectMapping;
  /** Messages per fetch: the most a read holds in memory at once (default 1,000). */
  readonly batchSize?: number;
  /** How long one fetch waits for messages the stream said it holds, in ms (default 5,000). */
  readonly fetchExpiresMs?: number;
  /** Retries of the stream-state requests (see `withBackoff`; default 5 attempts). */
  readonly retry?: BackoffOptions;
}

/** What the stream holds for one subject at one moment. */
interface SubjectState {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

const MAX_SEQ = BigInt(Number.MAX_SAFE_INTEGER);

const clampSeq = (v: bigint): number => Number(v < 0n ? 0n : v > MAX_SEQ ? MAX_SEQ : v);

/**
 * A `ReplaySource` over a NATS JetStream stream. Each topic partition is one subject
 * (`subjectFor`); offsets are stream sequences under the offset kind `jetstream_sequence`
 * (sparse per subject: the stream numbers all its subjects with one sequence). Slices of any
 * other offset kind hold nothing.
 *
 * - `coverage` is the subject's first to last sequence, from the stream's state (three small
 *   requests, no record read), clipped to the slice; the state is remembered as the subject's
 *   promise (each coverage call renews it).
 * - `read` / `readBatches` stream a range in order through an ordered pull consumer, `batchSize`
 *   messages at a time (bounded memory; the next fetch waits for the consumer of the iterator).
 *   When the stream is drained the subject's state is checked against the promise: a record
 *   purged, deleted or trimmed since (`REPLAY_RECORD_MISSING`) fails the read, so no build
 *   completes over a silent gap. JetStream does not say which sequence went, so any removal from
 *   the subject after its coverage was proven fails later reads of that subject.
 * - A message that is not an event envelope is `REPLAY_RECORD_INVALID` with its stream, subject
 *   and sequence; a missing stream or refused credentials `REPLAY_SOURCE_NOT_FOUND`; an
 *   unreachable server `REPLAY_SOURCE_UNAVAILABLE` (retryable) after `retry`.
 */
export function createNatsSource(options: NatsSourceOptions): ReplaySource {
  const { connection, stream } = options;
  const subjectFor = options.subjectFor ?? defaultSubjectMapping();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1000));
  const expires = Math.max(1000, Math.floor(options.fetchExpiresMs ?? 5000));
  const promises = new Map<string, SubjectState>();
  let managers: Promise<{ jsm: JetStreamManager; js: JetStreamClient }> | undefined;

  const retried = <T>(what: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> =>
    withBackoff(
      async () => {
        try {
          return await op();
        } catch (error) {
          throw toSourceError(error, stream, what);
        }
      },
      { ...options.retry, ...(signal ? { signal } : {}) },
    );

  const clients = () => {
    managers ??= connection.jetstreamManager().then((jsm) => ({ jsm, js: connection.jetstream() }));
    managers.catch(() => {
      managers = undefined;
    });
    return managers;
  };

  async function subjectState(subject: string, signal: AbortSignal | undefined): Promise<SubjectState | null> {
    return retried(`state of ${subject}`, signal, async () => {
      const { jsm } = await clients();
      const info = await jsm.streams.info(stream, { subjects_filter: subject });
      const count = info.state.subjects?.[subject] ?? 0;
      if (count === 0) return null;
      try {
        const first = await jsm.streams.getMessage(stream, { seq: Math.max(1, info.state.first_seq), next_by_subj: subject } as never);
        const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
        return { first: first.seq, last: last.seq, count };
      } catch (error) {
        if (isNoMessage(error)) return null; // removed between the two requests
        throw error;
      }
    });
  }

  /** Subject messages with a sequence above `after`, as the stream holds them now. */
  async function countAfter(subject: string, after: number, signal: AbortSignal | undefined): Promise<number> {
    return retried(`messages of ${subject} after ${after}`, signal, async () => {
      const { js } = await clients();
      const consumer = await js.consumers.get(stream, {
        filterSubjects: subject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: after + 1,
      });
      const info = await consumer.info();
      return info.num_pending;
    });
  }

  /** Fails closed when the subject lost a record since `promised` was observed. */
  async function checkPromise(subject: string, promised: SubjectState, signal: AbortSignal | undefined): Promise<void> {
    const now = await subjectState(subject, signal);
    let held = 0;
    if (now !== null) {
      const appended = now.last > promised.last ? await countAfter(subject, promised.last, signal) : 0;
      held = now.first > promised.first ? -1 : now.count - appended;
    }
    if (held < promised.count) {
      throw new OfsError('REPLAY_RECORD_MISSING', {
        message: `JetStream stream "${stream}" lost records of subject ${subject} after its coverage was proven (${promised.count} held in ${promised.first}..${promised.last}, ${Math.max(0, held)} now): purged, deleted or trimmed`,
        details: {
          stream,
          subject,
          promised_first: String(promised.first),
          promised_last: String(promised.last),
          promised_count: promised.count,
          held_count: Math.max(0, held),
        },
      });
    }
  }

  function subjectOf(slice: ReplaySlice): string | undefined {
    if (slice.offset_kind !== JETSTREAM_SEQUENCE) return undefined;
    return subjectFor(slice.topic, slice.partition);
  }

  async function* readBatches(slice: ReplaySlice, range: OffsetRange, opts?: AbortOptions): AsyncGenerator<ReplayRecord[]> {
    const signal = opts?.signal;
    throwIfAborted(signal);
    const subject = subjectOf(slice);
    if (subject === undefined) return;
    const promised = promises.get(subject) ?? (await subjectState(subject, signal));
    if (promised === null) return;
    const start = clampSeq(BigInt(range.start) < 1n ? 1n : BigInt(range.start));
    const end = clampSeq(BigInt(range.end));
    if (start <= end && start <= promised.last) {
      const { js } = await clients();
      const consumer = await retried(`ordered consumer on ${subject}`, signal, () =>
        js.consumers.get(stream, { filterSubjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }),
      );
      // How many subject messages remain from `start` on: sizes the first fetch, and a purged
      // subject then costs no fetch that waits for messages that will never come.
      const remaining = await retried(`pending of ${subject}`, signal, async () => (await consumer.info()).num_pending);
      let previous = 0;
      let want = Math.min(batchSize, remaining);
      for (let done = remaining === 0; !done; ) {
        throwIfAborted(signal);
        const batch: ReplayRecord[] = [];
        let got = 0;
        try {
          const messages = await consumer.fetch({ max_messages: want, expires });
          for await (const m of messages) {
            got++;
            if (m.seq <= previous) {
              throw new OfsError('REPLAY_RECORD_INVALID', {
                message: `JetStream delivered ${stream}/${subject}#${m.seq} after #${previous}: sequences out of order`,
                details: { stream, subject, sequence: String(m.seq), previous: String(previous) },
              });
            }
            previous = m.seq;
            if (m.seq > end) {
              done = true;
              break;
            }
            batch.push(decodeEnvelope(m.data, slice.topic, slice.partition, { stream, subject, seq: m.seq }));
            const pending = m.info.pending;
            if (pending === 0 || m.seq === end) done = true;
            want = Math.max(1, Math.min(batchSize, pending));
          }
        } catch (error) {
          throw toSourceError(error, stream, `read of ${subject}`);
        }
        if (got === 0) done = true;
        if (batch.length > 0) yield batch;
      }
    }
    await checkPromise(subject, promised, signal);
  }

  return {
    async coverage(slice, opts) {
      throwIfAborted(opts?.signal);
      const subject = subjectOf(slice);
      if (subject === undefined) return [];
      const state = await subjectState(subject, opts?.signal);
      // Every coverage answer is a new promise for its subject (a long-lived source must not
      // stay failed after a retention trim between two builds).
      if (state === null) {
        promises.delete(subject);
        return [];
      }
      promises.set(subject, state);
      const lo = BigInt(slice.start_offset) > BigInt(state.first) ? BigInt(slice.start_offset) : BigInt(state.first);
      const hi = BigInt(slice.end_offset) < BigInt(state.last) ? BigInt(slice.end_offset) : BigInt(state.last);
      return lo > hi ? [] : [{ start: lo.toString(), end: hi.toString() }];
    },
    async *read(slice, range, opts) {
      for await (const batch of readBatches(slice, range, opts)) yield* batch;
    },
    readBatches,
  };
}
