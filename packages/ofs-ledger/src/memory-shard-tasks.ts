import { randomBytes } from 'node:crypto';
import {
  type AbortOptions,
  type NewShardTask,
  OfsError,
  type ShardClaim,
  type ShardClaimInput,
  type ShardPins,
  type ShardTask,
  type ShardTaskStore,
  throwIfAborted,
} from '@ofs/contracts';

/** A fresh fencing token for claim number `fence` of a task. */
export function shardLeaseToken(fence: number): string {
  return `st${fence}.${randomBytes(9).toString('hex')}`;
}

/** `LEASE_LOST` for a shard call under a token that is not the task's latest claim. */
export function shardLeaseLost(runKey: string, planId: string, shard: number, task: ShardTask | undefined): OfsError {
  return new OfsError('LEASE_LOST', {
    message: `shard ${shard} of run ${runKey} (plan ${planId}) is ${task === undefined ? 'gone' : `${task.state} under another claim`}; this worker's lease is stale`,
    details: { run_key: runKey, plan_id: planId, shard, state: task?.state ?? null },
  });
}

/** `LEDGER_ARGUMENT_INVALID` unless every fan-out task is well formed and numbered 0…n−1. */
export function checkNewShardTasks(runKey: string, pins: ShardPins, tasks: readonly NewShardTask[]): void {
  const bad = (message: string) => new OfsError('LEDGER_ARGUMENT_INVALID', { message, details: { run_key: runKey } });
  if (typeof runKey !== 'string' || runKey.length === 0) throw bad('runKey must be a non-empty string');
  for (const k of ['plan_id', 'run_config_digest', 'profile_digest', 'label_state_marker'] as const) {
    if (typeof pins?.[k] !== 'string' || pins[k].length === 0) throw bad(`pins.${k} must be a non-empty string`);
  }
  if (tasks.length === 0) throw bad('a fan-out needs at least one shard task');
  tasks.forEach((t, i) => {
    if (t.shard !== i) throw bad(`shard tasks must be numbered 0…${tasks.length - 1} in order; task ${i} is numbered ${t.shard}`);
    if (typeof t.topic !== 'string' || !Number.isSafeInteger(t.partition) || t.spec === null || typeof t.spec !== 'object') {
      throw bad(`shard task ${i} needs a topic, an integer partition and a JSON spec`);
    }
  });
}

/** The stored tasks a fan-out creates: pending, unclaimed, with the run's pins. */
export function newShardTasks(runKey: string, pins: ShardPins, tasks: readonly NewShardTask[]): ShardTask[] {
  return tasks.map((t) => ({
    run_key: runKey,
    plan_id: pins.plan_id,
    shard: t.shard,
    topic: t.topic,
    partition: t.partition,
    spec: structuredClone(t.spec),
    state: 'PENDING',
    pins: { ...pins },
    attempts: 0,
    fence: 0,
    lease: null,
    result: null,
  }));
}

/** A claimable task claimed by `input.worker`: a new lease under the next fencing token. */
export function claimShardTask(task: ShardTask, input: ShardClaimInput): ShardClaim {
  const fence = task.fence + 1;
  const token = shardLeaseToken(fence);
  return {
    token,
    task: {
      ...task,
      state: 'LEASED',
      attempts: task.attempts + 1,
      fence,
      lease: { token, worker: input.worker, expires_at_ms: input.nowMs + input.leaseMs },
    },
  };
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * An in-memory `ShardTaskStore` for users' tests and single-process tools: every call runs
 * synchronously inside its promise, so each is atomic; records are copied in and out.
 */
export function createMemoryShardTaskStore(): ShardTaskStore {
  /** run_key → plan_id → tasks by shard. */
  const runs = new Map<string, Map<string, ShardTask[]>>();
  /** Each fan-out's task list (the same arrays as in `runs`), in fan-out order: the claim order. */
  const fanOuts: ShardTask[][] = [];
  const tasksOf = (runKey: string, planId: string) => runs.get(runKey)?.get(planId);
  const find = (runKey: string, planId: string, shard: number) => tasksOf(runKey, planId)?.[shard];
  const replace = (task: ShardTask) => {
    (tasksOf(task.run_key, task.plan_id) as ShardTask[])[task.shard] = task;
  };

  return {
    async fanOut(runKey, pins, tasks, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      checkNewShardTasks(runKey, pins, tasks);
      let plans = runs.get(runKey);
      if (plans === undefined) {
        plans = new Map();
        runs.set(runKey, plans);
      }
      const existing = plans.get(pins.plan_id);
      if (existing !== undefined) return { created: false, tasks: copy(existing) };
      const created = newShardTasks(runKey, pins, tasks);
      plans.set(pins.plan_id, created);
      fanOuts.push(created);
      return { created: true, tasks: copy(created) };
    },

    async claim(input: ShardClaimInput, options?: AbortOptions): Promise<ShardClaim | undefined> {
      throwIfAborted(options?.signal);
      for (const fanned of fanOuts) {
        if (input.runKey !== undefined && input.runKey !== fanned[0]?.run_key) continue;
        for (const task of fanned) {
          const lapsed = task.state === 'LEASED' && (task.lease?.expires_at_ms ?? 0) <= input.nowMs;
          if (task.state !== 'PENDING' && !lapsed) continue;
          const claim = claimShardTask(task, input);
          replace(claim.task);
          return copy(claim);
        }
      }
      return undefined;
    },

    async heartbeat(runKey, planId, shard, token, leaseMs, nowMs, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const task = find(runKey, planId, shard);
      if (task === undefined || task.state !== 'LEASED' || task.lease?.token !== token) throw shardLeaseLost(runKey, planId, shard, task);
      replace({ ...task, lease: { ...task.lease, expires_at_ms: nowMs + leaseMs } });
    },

    async complete(runKey, planId, shard, token, result, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const task = find(runKey, planId, shard);
      if (task === undefined || task.state !== 'LEASED' || task.lease?.token !== token) throw shardLeaseLost(runKey, planId, shard, task);
      replace({ ...task, state: 'DONE', lease: null, result: copy(result) });
      const remaining = (tasksOf(runKey, planId) ?? []).filter((t) => t.state !== 'DONE').length;
      return { remaining };
    },

    async reset(runKey, planId, shards, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      for (const shard of shards) {
        const task = find(runKey, planId, shard);
        if (task !== undefined) replace({ ...task, state: 'PENDING', lease: null, result: null });
      }
    },

    async list(runKey, planId, options?: AbortOptions) {
      throwIfAborted(options?.signal);
      return copy(tasksOf(runKey, planId) ?? []);
    },
  };
}
