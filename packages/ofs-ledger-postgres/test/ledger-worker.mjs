// A ledger client in its own process, for the cross-process concurrency tests. It imports the
// BUILT packages (run `pnpm turbo run build --filter @ofs/ledger-postgres...` first).
//
// Environment: OFS_TEST_PG_URL, LEDGER_SCHEMA, LEDGER_POLICY (JSON), POOL_MAX (default 4).
// Protocol: prints `{"ready":true}` once connected, then reads one JSON command per stdin line
// and answers with one JSON line `{ "ok": true, "result": … }` or `{ "ok": false, "code": … }`.
import { createInterface } from 'node:readline';
import { fromPgPool, isOfsError, systemClock } from '@ofs/contracts';
import { createLedger } from '@ofs/ledger';
import { createPostgresLedgerStore } from '@ofs/ledger-postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.OFS_TEST_PG_URL, max: Number(process.env.POOL_MAX ?? 4) });
const store = createPostgresLedgerStore({ client: fromPgPool(pool), schema: process.env.LEDGER_SCHEMA });
const ledger = createLedger({
  store,
  clock: systemClock,
  policy: JSON.parse(process.env.LEDGER_POLICY ?? '{"max_full_run_attempts":3,"max_publish_retries":3}'),
  // These tests race claims; the requeue backoff (tested on its own) would hide the run from them.
  requeueBackoff: { baseMs: 0 },
});
const worker = `pid${process.pid}`;
const DONE = { outcome: 'NEW', manifestKey: 'p/ofs/manifests/dm_x.json', statusClass: 'COMPLETE_SUCCESS' };

const outcome = async (promise) => {
  try {
    return { ok: true, result: await promise };
  } catch (error) {
    if (isOfsError(error)) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'RAW', message: String(error) };
  }
};

const commands = {
  /** `n` concurrent submits of one intent: how many created, and the run keys seen. */
  async submit({ intent, n }) {
    const results = await Promise.all(Array.from({ length: n }, () => outcome(ledger.submit(intent))));
    return results.map((r) => (r.ok ? { created: r.result.created, run_key: r.result.run.run_key } : { code: r.code, message: r.message }));
  },
  /** `n` concurrent single claims (lease `leaseMs`): the run keys won, or null. */
  async claimOnce({ n, leaseMs }) {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => outcome(ledger.claim({ worker: `${worker}.${i}`, leaseMs }))));
    return results.map((r) => (r.ok ? (r.result?.run.run_key ?? null) : { code: r.code, message: r.message }));
  },
  /** Claims and completes runs until none is claimable: the run keys this worker completed. */
  async claimAndCompleteAll({ leaseMs }) {
    const done = [];
    for (;;) {
      const claimed = await ledger.claim({ worker, leaseMs });
      if (!claimed) return done;
      await ledger.complete(claimed.run.run_key, claimed.lease.token, DONE);
      done.push(claimed.run.run_key);
    }
  },
  /** Claims runs and fails each publication retryably until none is claimable: the claims it made. */
  async failPublishUntilSettled({ leaseMs }) {
    const claims = [];
    for (;;) {
      const claimed = await ledger.claim({ worker, leaseMs });
      if (!claimed) return claims;
      claims.push({ run_key: claimed.run.run_key, mode: claimed.run.mode });
      await ledger.publishPending(claimed.run.run_key, claimed.lease.token, {
        code: 'STORE_UNAVAILABLE',
        message: 'registry timeout',
        stage: 'publish',
      });
    }
  },
  /** One claim; returns the lease so a later command can use it. */
  async claim({ leaseMs }) {
    const claimed = await ledger.claim({ worker, leaseMs });
    return claimed ? { run_key: claimed.run.run_key, token: claimed.lease.token, attempts: claimed.run.full_run_attempts } : null;
  },
  /** Polls `claim` until it returns a run or `timeoutMs` passes. */
  async claimWhenAvailable({ leaseMs, timeoutMs }) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const claimed = await ledger.claim({ worker, leaseMs });
      if (claimed) return { run_key: claimed.run.run_key, token: claimed.lease.token, attempts: claimed.run.full_run_attempts };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  },
  async complete({ runKey, token }) {
    return (await ledger.complete(runKey, token, DONE)).state;
  },
};

await store.migrate();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const command = JSON.parse(line);
  const handler = commands[command.op];
  const answer = handler ? await outcome(handler(command)) : { ok: false, code: 'UNKNOWN_OP' };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await pool.end();
