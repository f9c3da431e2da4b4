import {
  type AbortOptions,
  type ClaimDecision,
  type ClaimQuery,
  type LedgerStore,
  type LedgerUpdateResult,
  type NewRunEvent,
  OfsError,
  type RunEvent,
  type RunListQuery,
  type RunRecord,
  throwIfAborted,
} from '@ofs/contracts';

interface Entry {
  run: RunRecord;
  readonly order: number;
  readonly events: RunEvent[];
}

const copy = <T>(value: T): T => structuredClone(value);

function toEvents(runKey: string, from: number, events: readonly NewRunEvent[]): RunEvent[] {
  return events.map((e, i) => copy({ run_key: runKey, seq: from + i + 1, ...e }));
}

function claimable(run: RunRecord, nowMs: number): boolean {
  if (run.state === 'QUEUED' || run.state === 'PUBLISH_PENDING') return run.not_before_ms == null || run.not_before_ms <= nowMs;
  return run.state === 'RUNNING' && (run.lease === null || run.lease.expires_at_ms <= nowMs);
}

/**
 * An in-memory `LedgerStore` for users' tests and single-process tools. Every method runs
 * synchronously inside its promise, so each move is atomic; records are copied in and out.
 */
export function createMemoryLedgerStore(): LedgerStore {
  const runs = new Map<string, Entry>();
  let submitted = 0;

  const write = (entry: Entry, next: RunRecord, events: readonly NewRunEvent[]): void => {
    if (next.run_key !== entry.run.run_key) throw new OfsError('LEDGER_ARGUMENT_INVALID', { message: 'a move cannot change run_key' });
    entry.events.push(...toEvents(entry.run.run_key, entry.events.length, events));
    entry.run = copy(next);
  };

  return {
    async create(run, events, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const existing = runs.get(run.run_key);
      if (existing) return { created: false, run: copy(existing.run) };
      const entry: Entry = { run: copy(run), order: submitted++, events: toEvents(run.run_key, 0, events) };
      runs.set(run.run_key, entry);
      return { created: true, run: copy(run) };
    },

    async get(runKey, options) {
      throwIfAborted(options?.signal);
      const entry = runs.get(runKey);
      return entry ? copy(entry.run) : undefined;
    },

    async update(runKey, expected, next, events, options): Promise<LedgerUpdateResult> {
      throwIfAborted(options?.signal);
      const entry = runs.get(runKey);
      if (!entry) return { applied: false, run: undefined };
      if (entry.run.state !== expected.state || entry.run.version !== expected.version) return { applied: false, run: copy(entry.run) };
      write(entry, next, events);
      return { applied: true, run: copy(entry.run) };
    },

    async claimNext(query: ClaimQuery, decide: (run: RunRecord) => ClaimDecision, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const candidates = [...runs.values()]
        .filter(
          (e) => claimable(e.run, query.now_ms) && (query.platform_run_id === undefined || e.run.platform_run_id === query.platform_run_id),
        )
        .sort((a, b) => a.run.created_at_ms - b.run.created_at_ms || a.order - b.order);
      for (const entry of candidates) {
        const decision = decide(copy(entry.run));
        if (decision.kind === 'skip') continue;
        write(entry, decision.next, decision.events);
        if (decision.kind === 'claim') return copy(entry.run);
      }
      return undefined;
    },

    async list(query: RunListQuery, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const { platform_run_id: platform, states, after, limit } = query;
      return [...runs.values()]
        .map((e) => e.run)
        .filter((r) => (platform === undefined || r.platform_run_id === platform) && (states === undefined || states.includes(r.state)))
        .filter((r) => after === undefined || r.run_key > after)
        .sort((a, b) => (a.run_key < b.run_key ? -1 : a.run_key > b.run_key ? 1 : 0))
        .slice(0, limit ?? Number.POSITIVE_INFINITY)
        .map(copy);
    },

    async events(runKey, options) {
      throwIfAborted(options?.signal);
      return copy(runs.get(runKey)?.events ?? []);
    },
  };
}
