import type { AbortOptions, ShardClaim, ShardTask, ShardTaskStore, SqlClient, SqlQueryable } from '@ofs/contracts';
import { checkNewShardTasks, claimShardTask, newShardTasks, shardLeaseLost } from '@ofs/ledger';
import { ledgerOperations } from './operations.js';
import { type LedgerTables, ledgerTables } from './schema.js';

/** Options of `createPostgresShardTaskStore`. */
export interface PostgresShardTaskStoreOptions {
  /** The SQL port: `fromPgPool(pool)` (server) or `fromPGlite(db)`. */
  readonly client: SqlClient;
  /** PostgreSQL schema of the ledger tables (the shard tasks live beside the runs). Default `public`. */
  readonly schema?: string;
}

interface TaskRow {
  record: string;
}

const parse = (row: TaskRow): ShardTask => JSON.parse(row.record) as ShardTask;

/**
 * Shard tasks in PostgreSQL (the ledger's migration 3, `ofs_shard_tasks`), for runs fanned out
 * over worker processes on a server. Records are JSON text (so U+0000 round-trips).
 *
 * - `fanOut` takes a transaction-scoped advisory lock on the run and plan, then inserts the tasks
 *   only if none exist: concurrent fan-outs of one plan converge on one set.
 * - `claim` is `SELECT … FOR UPDATE SKIP LOCKED` of the oldest claimable task (fan-out order,
 *   then shard) and its update in one transaction: concurrent claimers never share a task.
 * - `heartbeat`, `complete` and `reset` lock the task row and check the token under the lock.
 *
 * @example
 * const shards = createPostgresShardTaskStore({ client: fromPgPool(pool), schema: 'ofs' });
 */
export function createPostgresShardTaskStore({ client, schema = 'public' }: PostgresShardTaskStoreOptions): ShardTaskStore & {
  migrate(options?: AbortOptions): Promise<void>;
} {
  const t: LedgerTables = ledgerTables(schema);
  const { migrate, run } = ledgerOperations(client, t);
  const listIn = async (q: SqlQueryable, runKey: string, planId: string, options?: AbortOptions) => {
    const { rows } = await q.query<TaskRow>(
      `SELECT record FROM ${t.shards} WHERE run_key = $1 AND plan_id = $2 ORDER BY shard`,
      [runKey, planId],
      options,
    );
    return rows.map(parse);
  };
  const lockTask = async (q: SqlQueryable, runKey: string, planId: string, shard: number, options?: AbortOptions) => {
    const { rows } = await q.query<TaskRow>(
      `SELECT record FROM ${t.shards} WHERE run_key = $1 AND plan_id = $2 AND shard = $3 FOR UPDATE`,
      [runKey, planId, shard],
      options,
    );
    return rows[0] ? parse(rows[0]) : undefined;
  };
  const write = (q: SqlQueryable, task: ShardTask, options?: AbortOptions) =>
    q.query(
      `UPDATE ${t.shards} SET state = $4, lease_token = $5, lease_expires_at_ms = $6, record = $7
        WHERE run_key = $1 AND plan_id = $2 AND shard = $3`,
      [
        task.run_key,
        task.plan_id,
        task.shard,
        task.state,
        task.lease?.token ?? null,
        task.lease?.expires_at_ms ?? null,
        JSON.stringify(task),
      ],
      options,
    );

  return {
    migrate,

    fanOut: (runKey, pins, tasks, options) =>
      run('fan-out', options, async () => {
        checkNewShardTasks(runKey, pins, tasks);
        return client.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ofs.shard_fan_out|${runKey}|${pins.plan_id}`], options);
          const existing = await listIn(tx, runKey, pins.plan_id, options);
          if (existing.length > 0) return { created: false, tasks: existing };
          const created = newShardTasks(runKey, pins, tasks);
          await tx.query(
            `INSERT INTO ${t.shards} (run_key, plan_id, shard, state, record)
             SELECT $1, $2, x.shard, 'PENDING', x.record
               FROM json_to_recordset($3::json) AS x(shard integer, record text)
              ORDER BY x.shard`,
            [runKey, pins.plan_id, JSON.stringify(created.map((c) => ({ shard: c.shard, record: JSON.stringify(c) })))],
            options,
          );
          return { created: true, tasks: JSON.parse(JSON.stringify(created)) as ShardTask[] };
        }, options);
      }),

    claim: (input, options) =>
      run('claim', options, () =>
        client.transaction(async (tx): Promise<ShardClaim | undefined> => {
          const params: unknown[] = [input.nowMs];
          if (input.runKey !== undefined) params.push(input.runKey);
          const { rows } = await tx.query<TaskRow>(
            `SELECT record FROM ${t.shards}
              WHERE (state = 'PENDING' OR (state = 'LEASED' AND lease_expires_at_ms <= $1))
                ${input.runKey === undefined ? '' : 'AND run_key = $2'}
              ORDER BY fan_out_seq, shard
              LIMIT 1
              FOR UPDATE SKIP LOCKED`,
            params,
            options,
          );
          if (!rows[0]) return undefined;
          const claim = claimShardTask(parse(rows[0]), input);
          await write(tx, claim.task, options);
          return claim;
        }, options),
      ),

    heartbeat: (runKey, planId, shard, token, leaseMs, nowMs, options) =>
      run('heartbeat', options, () =>
        client.transaction(async (tx) => {
          const task = await lockTask(tx, runKey, planId, shard, options);
          if (task === undefined || task.state !== 'LEASED' || task.lease?.token !== token)
            throw shardLeaseLost(runKey, planId, shard, task);
          await write(tx, { ...task, lease: { ...task.lease, expires_at_ms: nowMs + leaseMs } }, options);
        }, options),
      ),

    complete: (runKey, planId, shard, token, result, options) =>
      run('complete', options, () =>
        client.transaction(async (tx) => {
          const task = await lockTask(tx, runKey, planId, shard, options);
          if (task === undefined || task.state !== 'LEASED' || task.lease?.token !== token)
            throw shardLeaseLost(runKey, planId, shard, task);
          await write(tx, { ...task, state: 'DONE', lease: null, result: JSON.parse(JSON.stringify(result)) }, options);
          const { rows } = await tx.query<{ remaining: number | string }>(
            `SELECT count(*) AS remaining FROM ${t.shards} WHERE run_key = $1 AND plan_id = $2 AND state <> 'DONE'`,
            [runKey, planId],
            options,
          );
          return { remaining: Number(rows[0]?.remaining ?? 0) };
        }, options),
      ),

    reset: (runKey, planId, shards, options) =>
      run('reset', options, () =>
        client.transaction(async (tx) => {
          for (const shard of shards) {
            const task = await lockTask(tx, runKey, planId, shard, options);
            if (task !== undefined) await write(tx, { ...task, state: 'PENDING', lease: null, result: null }, options);
          }
        }, options),
      ),

    list: (runKey, planId, options) => run('list', options, () => listIn(client, runKey, planId, options)),
  };
}
