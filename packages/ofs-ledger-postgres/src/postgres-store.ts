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
  type SqlClient,
  type SqlQueryable,
  throwIfAborted,
} from '@ofs/contracts';
import { ledgerOperations } from './operations.js';
import { type LedgerTables, ledgerTables } from './schema.js';

/** Options of `createPostgresLedgerStore`. */
export interface PostgresLedgerStoreOptions {
  /** The SQL port: `fromPGlite(db)` (embedded) or `fromPgPool(pool)` (server). */
  readonly client: SqlClient;
  /** PostgreSQL schema holding the ledger tables (created if absent). Default `public`. */
  readonly schema?: string;
}

/** A `LedgerStore` in PostgreSQL, with an explicit, idempotent `migrate`. */
export interface PostgresLedgerStore extends LedgerStore {
  /** Creates the tables if absent (also done lazily before the first operation). */
  migrate(options?: AbortOptions): Promise<void>;
}

/** Most candidates one `claimNext` call settles or skips before it gives up and returns `undefined`. */
const MAX_CLAIM_CANDIDATES = 100;

interface RunRow {
  record: string;
}

interface EventRow {
  run_key: string;
  seq: number | string;
  type: RunEvent['type'];
  from_state: RunEvent['from_state'];
  to_state: RunEvent['to_state'];
  at_ms: number | string | bigint;
  worker: string | null;
  details: string;
}

const parseRun = (row: RunRow): RunRecord => JSON.parse(row.record) as RunRecord;

/** The events of one move as JSON for `json_to_recordset` (one parameter, any count). */
const eventsJson = (events: readonly NewRunEvent[]): string =>
  JSON.stringify(
    events.map((e) => ({
      type: e.type,
      from_state: e.from_state,
      to_state: e.to_state,
      at_ms: e.at_ms,
      worker: e.worker,
      details: JSON.stringify(e.details),
    })),
  );

/** The events parameter as rows numbered from 1 (`x.ord`). */
const eventRows = (param: string): string =>
  `ROWS FROM (json_to_recordset(${param}::json) AS (type text, from_state text, to_state text, at_ms bigint, worker text, details text))
     WITH ORDINALITY AS x(type, from_state, to_state, at_ms, worker, details, ord)`;

/**
 * The run ledger's store in PostgreSQL on an injected `SqlClient` (PGlite or a `pg` Pool).
 *
 * - `create` is `INSERT … ON CONFLICT DO NOTHING` plus its events in one statement, then a re-read:
 *   concurrent submits of one key converge on one row with no integrity error.
 * - `update` is one statement: `UPDATE … WHERE run_key = $1 AND state = $2 AND version = $3`
 *   and the event insert in a data-modifying CTE — one atomic compare-and-set with gap-free `seq`
 *   taken from the row it updates.
 * - `claimNext` runs in a transaction: `SELECT … FOR UPDATE SKIP LOCKED` of the oldest claimable
 *   run (lease expiry compared with the caller's clock), the caller's decision, then the
 *   compare-and-set.
 *
 * @example
 * const store = createPostgresLedgerStore({ client: fromPgPool(new pg.Pool({ connectionString })) });
 * await store.migrate();
 */
export function createPostgresLedgerStore({ client, schema = 'public' }: PostgresLedgerStoreOptions): PostgresLedgerStore {
  const t: LedgerTables = ledgerTables(schema);
  const { migrate, run } = ledgerOperations(client, t);

  const selectRun = async (q: SqlQueryable, runKey: string, options?: AbortOptions): Promise<RunRecord | undefined> => {
    const { rows } = await q.query<RunRow>(`SELECT record FROM ${t.runs} WHERE run_key = $1`, [runKey], options);
    return rows[0] ? parseRun(rows[0]) : undefined;
  };

  const casUpdate = async (
    q: SqlQueryable,
    runKey: string,
    expected: { state: string; version: number },
    next: RunRecord,
    events: readonly NewRunEvent[],
    options?: AbortOptions,
  ) => {
    if (next.run_key !== runKey)
      throw new OfsError('LEDGER_ARGUMENT_INVALID', { message: 'a move cannot change run_key', details: { run_key: runKey } });
    const { rows } = await q.query<{ applied: number | string }>(
      `WITH u AS (
         UPDATE ${t.runs}
            SET state = $4, version = $5, lease_expires_at_ms = $6, record = $7, last_event_seq = last_event_seq + $8,
                not_before_ms = $10, manifest_sha256 = $11
          WHERE run_key = $1 AND state = $2 AND version = $3
          RETURNING last_event_seq
       ), e AS (
         INSERT INTO ${t.events} (run_key, seq, type, from_state, to_state, at_ms, worker, details)
         SELECT $1, u.last_event_seq - $8 + x.ord, x.type, x.from_state, x.to_state, x.at_ms, x.worker, x.details
           FROM u, ${eventRows('$9')}
       )
       SELECT count(*) AS applied FROM u`,
      [
        runKey,
        expected.state,
        expected.version,
        next.state,
        next.version,
        next.lease?.expires_at_ms ?? null,
        JSON.stringify(next),
        events.length,
        eventsJson(events),
        next.not_before_ms ?? null,
        next.manifest_sha256 ?? null,
      ],
      options,
    );
    return Number(rows[0]?.applied ?? 0) === 1;
  };

  return {
    migrate,

    create: (record, events, options) =>
      run('create', options, async () => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const { rows } = await client.query<{ created: number | string }>(
            `WITH ins AS (
               INSERT INTO ${t.runs} (run_key, request_id, platform_run_id, state, version, lease_expires_at_ms, created_at_ms, last_event_seq, record, not_before_ms, manifest_sha256)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $12)
               ON CONFLICT (run_key) DO NOTHING
               RETURNING run_key
             ), e AS (
               INSERT INTO ${t.events} (run_key, seq, type, from_state, to_state, at_ms, worker, details)
               SELECT ins.run_key, x.ord, x.type, x.from_state, x.to_state, x.at_ms, x.worker, x.details
                 FROM ins, ${eventRows('$10')}
             )
             SELECT count(*) AS created FROM ins`,
            [
              record.run_key,
              record.request_id,
              record.platform_run_id,
              record.state,
              record.version,
              record.lease?.expires_at_ms ?? null,
              record.created_at_ms,
              events.length,
              JSON.stringify(record),
              eventsJson(events),
              record.not_before_ms ?? null,
              record.manifest_sha256 ?? null,
            ],
            options,
          );
          if (Number(rows[0]?.created ?? 0) === 1) return { created: true, run: record };
          const existing = await selectRun(client, record.run_key, options);
          if (existing) return { created: false, run: existing };
        }
        throw new OfsError('LEDGER_UNAVAILABLE', { message: `run ${record.run_key} could neither be created nor read` });
      }),

    get: (runKey, options) => run('get', options, () => selectRun(client, runKey, options)),

    update: (runKey, expected, next, events, options): Promise<LedgerUpdateResult> =>
      run('update', options, async () => {
        if (await casUpdate(client, runKey, expected, next, events, options)) return { applied: true, run: next };
        return { applied: false, run: await selectRun(client, runKey, options) };
      }),

    claimNext: (query: ClaimQuery, decide: (run: RunRecord) => ClaimDecision, options?: AbortOptions) =>
      run('claim', options, () =>
        client.transaction(async (tx) => {
          const passed: string[] = [];
          for (let i = 0; i < MAX_CLAIM_CANDIDATES; i++) {
            throwIfAborted(options?.signal);
            const params: unknown[] = [query.now_ms, JSON.stringify(passed)];
            if (query.platform_run_id !== undefined) params.push(query.platform_run_id);
            const { rows } = await tx.query<RunRow>(
              `SELECT record FROM ${t.runs}
                WHERE state IN ('QUEUED', 'RUNNING', 'PUBLISH_PENDING')
                  AND (state <> 'RUNNING' OR lease_expires_at_ms IS NULL OR lease_expires_at_ms <= $1)
                  AND (state = 'RUNNING' OR not_before_ms IS NULL OR not_before_ms <= $1)
                  AND run_key NOT IN (SELECT json_array_elements_text($2::json))
                  ${query.platform_run_id === undefined ? '' : 'AND platform_run_id = $3'}
                ORDER BY created_at_ms, submit_seq
                LIMIT 1
                FOR UPDATE SKIP LOCKED`,
              params,
              options,
            );
            const row = rows[0];
            if (!row) return undefined;
            const candidate = parseRun(row);
            const decision = decide(candidate);
            passed.push(candidate.run_key);
            if (decision.kind === 'skip') continue;
            const applied = await casUpdate(tx, candidate.run_key, candidate, decision.next, decision.events, options);
            if (!applied) continue; // cannot happen under the row lock; never claim on a lost race
            if (decision.kind === 'claim') return decision.next;
          }
          return undefined;
        }, options),
      ),

    list: (query: RunListQuery, options?: AbortOptions) =>
      run('list', options, async () => {
        if (query.states !== undefined && query.states.length === 0) return [];
        const where: string[] = [];
        const params: unknown[] = [];
        if (query.platform_run_id !== undefined) where.push(`platform_run_id = $${params.push(query.platform_run_id)}`);
        if (query.states !== undefined)
          where.push(`state IN (SELECT json_array_elements_text($${params.push(JSON.stringify(query.states))}::json))`);
        if (query.after !== undefined) where.push(`run_key > $${params.push(query.after)}`);
        const limit = query.limit === undefined ? '' : `LIMIT $${params.push(query.limit)}`;
        const { rows } = await client.query<RunRow>(
          `SELECT record FROM ${t.runs} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY run_key ${limit}`,
          params,
          options,
        );
        return rows.map(parseRun);
      }),

    events: (runKey, options) =>
      run('events', options, async () => {
        const { rows } = await client.query<EventRow>(
          `SELECT run_key, seq, type, from_state, to_state, at_ms, worker, details FROM ${t.events} WHERE run_key = $1 ORDER BY seq`,
          [runKey],
          options,
        );
        return rows.map((r) => ({
          run_key: r.run_key,
          seq: Number(r.seq),
          type: r.type,
          from_state: r.from_state,
          to_state: r.to_state,
          at_ms: Number(r.at_ms),
          worker: r.worker,
          details: JSON.parse(r.details) as Record<string, unknown>,
        }));
      }),
  };
}
