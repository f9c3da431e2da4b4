// Submit → claim → record → complete on the in-memory store. Run after `pnpm build`:
//   node packages/ofs-ledger/examples/claim-loop.mjs
import { parseBuildIntent, systemClock } from '@ofs/contracts';
import { createLedger, createMemoryLedgerStore } from '@ofs/ledger';

const ledger = createLedger({
  store: createMemoryLedgerStore(),
  clock: systemClock,
  policy: { max_full_run_attempts: 3, max_publish_retries: 3 },
});

const intent = parseBuildIntent({
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.example.req.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  replay_basis: [{ topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kafka_offset', start_offset: '100', end_offset: '200' }],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc' },
  feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'ofs-policy-v0',
  config_revision: 'local-parity-v0',
  ofs_code_release_id: 'git:abc123',
});

const { run, created } = await ledger.submit(intent);
console.log('submitted', run.run_key, { created });
console.log('submitted again', { created: (await ledger.submit(intent)).created });

const claimed = await ledger.claim({ worker: 'worker-1', leaseMs: 30_000 });
if (!claimed) throw new Error('nothing to claim');
const { token } = claimed.lease;
await ledger.record(run.run_key, token, { type: 'STAGE', details: { stage: 'plan', plan_id: 'plan_0123456789abcdef0123456789abcdef' } });
const done = await ledger.complete(run.run_key, token, {
  outcome: 'NEW',
  manifestKey: 'platform_20260210T091951Z/ofs/manifests/dm_0123.json',
  statusClass: 'COMPLETE_SUCCESS',
});
console.log('state', done.state, 'plan', done.plan_id, 'attempts', done.full_run_attempts);
try {
  await ledger.complete(run.run_key, 'a-stale-token', { outcome: 'NEW', manifestKey: 'x', statusClass: 'COMPLETE_SUCCESS' });
} catch (error) {
  console.log('stale token:', error.code);
}
for (const e of await ledger.events(run.run_key)) console.log(e.seq, e.type, `${e.from_state ?? '-'} → ${e.to_state}`);
