import { isOfsError, type LabelSubject } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { mergeLabelPartials } from './merge-partials.js';
import { createMemoryLabelStore } from './memory-label-store.js';
import { createLabelResolver } from './resolver.js';
import { assertion, memoryArtifacts, portOnly, RUN, testPlan, testPolicy } from './test-support.js';

const basis = [0, 1, 2].map((partition) => ({
  topic: 't',
  partition,
  offset_kind: 'kafka_offset',
  start_offset: '0',
  end_offset: '99',
}));
const plan = { ...testPlan({ maturity_days: 1 }, 'NON_TRAINING'), replay_basis: basis } as ReturnType<typeof testPlan>;
const policy = testPolicy({ label_types: ['fraud_disposition', 'chargeback'] });

function subjects(): LabelSubject[] {
  const out: LabelSubject[] = [];
  for (let i = 0; i < 60; i++) {
    const day = 1 + (i % 9);
    out.push({ event_id: `e${i}`, ts_utc: `2026-02-0${day}T00:00:00Z`, topic: 't', partition: i % 3 });
  }
  return out;
}

async function seeded() {
  const store = createMemoryLabelStore();
  const rows = [];
  for (let i = 0; i < 60; i += 2) {
    rows.push(assertion(`e${i}`, `a${i}`, i % 4 === 0 ? 'FRAUD' : 'LEGIT', '2026-02-05T00:00:00Z', '2026-02-06T00:00:00Z'));
    if (i % 6 === 0) rows.push(assertion(`e${i}`, `b${i}`, 'OTHER', '2026-02-05T00:00:00Z', '2026-02-06T00:00:00Z'));
    if (i % 5 === 0) rows.push(assertion(`e${i}`, `c${i}`, i, '2026-02-05T00:00:00Z', '2026-02-07T00:00:00Z', 'chargeback'));
  }
  await store.append(rows);
  return store;
}

describe('mergeLabelPartials', () => {
  for (const [name, wrap] of [
    ['memory fast path', (s: Awaited<ReturnType<typeof seeded>>) => s],
    ['store port', portOnly],
  ] as const) {
    it(`gives the receipt of one resolver fed every subject, from one partial per partition (${name})`, async () => {
      const all = subjects();
      const one = createLabelResolver(plan, { store: wrap(await seeded()), policy, artifacts: memoryArtifacts() });
      for (let i = 0; i < all.length; i += 7) await one.resolveBatch(all.slice(i, i + 7));
      const expected = await one.finish();
      expect(expected.resolved_digest_recipe).toBe('ofs.labels.resolved_digest.v2');

      const store = wrap(await seeded());
      const partials = [];
      // Partitions in reverse and in shuffled batches: the merge orders by the basis.
      for (const p of [2, 0, 1]) {
        const shard = createLabelResolver(plan, { store, policy, artifacts: memoryArtifacts() });
        const mine = all.filter((s) => s.partition === p);
        for (let i = 0; i < mine.length; i += 4) await shard.resolveBatch(mine.slice(i, i + 4));
        partials.push(JSON.parse(JSON.stringify(await shard.partial())));
      }
      const artifacts = memoryArtifacts();
      const merged = await mergeLabelPartials(plan, { store, policy, artifacts }, partials);
      expect(merged).toEqual(expected);
      expect([...artifacts.objects.keys()]).toEqual([`${RUN}/ofs/labels/${plan.plan_id}.json`]);
    });
  }

  it('refuses a partial resolved against another label store state with SHARD_PIN_MISMATCH', async () => {
    const store = await seeded();
    const shard = createLabelResolver(plan, { store, policy, artifacts: memoryArtifacts() });
    await shard.resolveBatch(subjects().filter((s) => s.partition === 0));
    const before = await shard.partial();
    await store.append([assertion('e1', 'late', 'FRAUD', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z')]);
    let caught: unknown;
    try {
      await mergeLabelPartials(plan, { store, policy, artifacts: memoryArtifacts() }, [before]);
    } catch (error) {
      caught = error;
    }
    expect(isOfsError(caught, 'SHARD_PIN_MISMATCH')).toBe(true);
    expect((caught as { details: { shards: number[] } }).details.shards).toEqual([0]);
  });
});
