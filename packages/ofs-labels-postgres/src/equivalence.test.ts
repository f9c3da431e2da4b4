import type { BuildPlan, LabelAssertion, LabelStore, ObjectStore, SqlClient } from '@ofs/contracts';
import { createLabelResolver, createMemoryLabelStore } from '@ofs/labels';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresLabelStore } from './postgres-label-store.js';
import { pgliteClient, serverClient, uniqueSchema } from './test-support.js';

const RUN = 'platform_20260210T120000Z';
const TYPES = ['fraud_disposition', 'chargeback_status'];
const BASE = Date.UTC(2026, 1, 10, 10, 0, 0);

function spell(minute: number, style: number): string {
  const ms = BASE + minute * 60_000;
  const iso = (shift: number) => new Date(ms + shift * 60_000).toISOString().slice(0, 19);
  return [`${iso(0)}Z`, `${iso(0)}+00:00`, `${iso(60)}+01:00`, `${iso(-150)}-02:30`, `${iso(0)}.5Z`][style]!;
}

const stamp = fc.record({ minute: fc.integer({ min: 0, max: 10 }), style: fc.integer({ min: 0, max: 4 }) });
const scenario = fc.record({
  assertions: fc.array(
    fc.record({
      event: fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e/ü 4'),
      run: fc.constantFrom(RUN, RUN, RUN, 'platform_other'),
      type: fc.constantFrom(...TYPES, 'account_takeover'),
      value: fc.constantFrom('FRAUD', 'LEGIT', 1, 2.5, true, null),
      eff: stamp,
      obs: stamp,
      rank: fc.integer({ min: 0, max: 99 }),
    }),
    { maxLength: 40 },
  ),
  cutoff: stamp,
});

function plan(cutoff: string): BuildPlan {
  const hex = 'b'.repeat(64);
  // Cast: BuildPlan's literal unions currently type as `never` (see @ofs/labels test-support).
  const built = {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: 'plan_00000000000000000000000000000001',
    intent_kind: 'dataset_build',
    training_posture: 'NON_TRAINING',
    non_training_allowed: true,
    dataset_fingerprint: hex,
    dataset_manifest_id: 'dm_00000000000000000000000000000001',
    platform_run_id: RUN,
    scenario_run_ids: [],
    replay_basis: [{ topic: 't', partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '1' }],
    basis_hash: hex,
    label_basis: {
      label_asof_utc: cutoff,
      label_asof_instant: cutoff,
      resolution_rule: 'observed_time<=label_asof_utc',
      posture: 'KNEW_THEN',
    },
    feature_profile: { feature_set_id: 'f', feature_set_version: '1', ref: 'p', digest: hex },
    run_facts: { ref: 'r', digest: hex, outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'e' }] },
    join_scope: {},
    filters: {},
    policy: { revision: 'r1', digest: hex },
    config_revision: 'c',
    ofs_code_release_id: 'x',
  };
  return built as unknown as BuildPlan;
}

function artifacts(): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  return {
    get: async (k) => objects.get(k),
    async putIfAbsent(k, b) {
      const existing = objects.get(k);
      if (existing) return { created: false, existing };
      objects.set(k, b);
      return { created: true };
    },
    async *list() {},
  };
}

async function resolveAll(store: LabelStore, cutoff: string) {
  const resolver = createLabelResolver(
    plan(cutoff),
    {
      store,
      policy: { revision: 'r1', label_types: TYPES, min_label_coverage: 0, max_conflict_ratio: 1 },
      artifacts: artifacts(),
    },
    { storeBatchSize: 2 },
  );
  const rows = await resolver.resolveBatch(['e0', 'e1', 'e2', 'e3', 'e/ü 4', 'e5'].map((event_id) => ({ event_id, ts_utc: spell(0, 0) })));
  const { store_state_marker: _marker, ...receipt } = await resolver.finish();
  return { rows, receipt };
}

async function timeline(store: LabelStore): Promise<LabelAssertion[]> {
  const out: LabelAssertion[] = [];
  const subjects = ['e0', 'e1', 'e2', 'e3', 'e/ü 4'].flatMap((event_id) =>
    [RUN, 'platform_other'].map((platform_run_id) => ({ platform_run_id, event_id })),
  );
  for await (const a of store.timelines(subjects, TYPES)) out.push(a);
  return out.sort((a, b) => (a.assertion_id < b.assertion_id ? -1 : 1));
}

function describeEquivalence(
  name: string,
  connect: () => Promise<{ client: SqlClient; schema: () => string; close: () => Promise<void> }>,
) {
  describe(`Postgres label store equals the memory store: ${name}`, () => {
    let db: Awaited<ReturnType<typeof connect>>;
    beforeAll(async () => {
      db = await connect();
    });
    afterAll(() => db.close());

    it('returns the same timelines and resolves the same labels and receipt on random timelines', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const assertions: LabelAssertion[] = s.assertions.map((r, i) => ({
            platform_run_id: r.run,
            event_id: r.event,
            label_type: r.type,
            value: r.value,
            effective_time: spell(r.eff.minute, r.eff.style),
            observed_time: spell(r.obs.minute, r.obs.style),
            assertion_id: `${String(r.rank).padStart(2, '0')}_${i}`,
          }));
          const memory = createMemoryLabelStore();
          const sql = createPostgresLabelStore({ client: db.client, schema: db.schema() });
          await memory.append(assertions);
          await sql.append(assertions);
          expect(await timeline(sql)).toEqual(await timeline(memory));
          const cutoff = spell(s.cutoff.minute, s.cutoff.style);
          expect(await resolveAll(sql, cutoff)).toEqual(await resolveAll(memory, cutoff));
        }),
        { numRuns: 40 },
      );
    });
  });
}

describeEquivalence('PGlite', async () => {
  const lite = await pgliteClient();
  return { client: lite.client, schema: uniqueSchema, close: lite.close };
});

const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/labels-postgres server equivalence skipped: set OFS_TEST_PG_URL');
describe.skipIf(!url)('server', () => {
  describeEquivalence('PostgreSQL server', async () => serverClient(url!));
});
