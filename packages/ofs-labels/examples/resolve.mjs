// Runnable example: `node packages/ofs-labels/examples/resolve.mjs` after `pnpm build`.
import { createMemoryObjectStore } from '@ofs/contracts';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';

const RUN = 'platform_20260210T120000Z';
const store = createMemoryLabelStore();
await store.append([
  {
    platform_run_id: RUN,
    event_id: 'evt_1',
    label_type: 'fraud_disposition',
    value: 'FRAUD_CONFIRMED',
    effective_time: '2026-02-10T09:00:00Z',
    observed_time: '2026-02-10T10:00:00Z',
    assertion_id: 'a1',
  },
  // Observed after the cutoff: never used.
  {
    platform_run_id: RUN,
    event_id: 'evt_1',
    label_type: 'fraud_disposition',
    value: 'LEGIT_CONFIRMED',
    effective_time: '2026-02-10T11:30:00Z',
    observed_time: '2026-02-10T13:00:00+00:00',
    assertion_id: 'a2',
  },
]);

// Normally the plan comes from @ofs/plan; only these fields matter here.
const plan = {
  plan_id: 'plan_0123456789abcdef0123456789abcdef',
  platform_run_id: RUN,
  training_posture: 'NON_TRAINING',
  label_basis: {
    label_asof_utc: '2026-02-10T12:00:00Z',
    label_asof_instant: '2026-02-10T12:00:00Z',
    resolution_rule: 'observed_time<=label_asof_utc',
    posture: 'KNEW_THEN',
    maturity_days: 1,
  },
};
const policy = { revision: 'demo', label_types: ['fraud_disposition'], min_label_coverage: 0.5, max_conflict_ratio: 0 };
const artifacts = createMemoryObjectStore();

const resolver = createLabelResolver(plan, { store, policy, artifacts });
const rows = await resolver.resolveBatch([
  { event_id: 'evt_1', ts_utc: '2026-02-09T08:00:00Z' },
  { event_id: 'evt_2', ts_utc: '2026-02-10T11:00:00Z' },
]);
console.log(JSON.stringify(rows, null, 2));
const receipt = await resolver.finish();
console.log(receipt.status, 'coverage', receipt.coverage, 'written at', `${RUN}/ofs/labels/${plan.plan_id}.json`);
