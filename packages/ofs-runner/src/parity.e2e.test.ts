import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildPlan, createMemoryObjectStore, type ReplayRecord } from '@ofs/contracts';
import { createOnlineFeatures, resolvedDemoFeatureProfileV2 } from '@ofs/features';
import { canonicalJson, sha256Hex } from '@ofs/ids';
import { resolveReplay } from '@ofs/replay';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultCorridor } from './default-corridor.js';
import { cli, tempDir } from './test-support/cli-harness.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * The "online plane": the demo's replayed records (deduplicated by event id, as served) through
 * the online face, with snapshots of chosen card keys at chosen positions — what a feature
 * service would have recorded as parity anchors.
 */
async function onlineAnchors(dir: string, intent: Record<string, unknown>) {
  const corridor = await createDefaultCorridor({ dir });
  try {
    const { plan } = (await corridor.planOnly(intent)) as { plan: BuildPlan };
    const replay = resolveReplay(plan, {
      eb: corridor.eb,
      archive: corridor.archive,
      policy: corridor.policy,
      store: createMemoryObjectStore(),
    });
    const records: ReplayRecord[] = [];
    for await (const r of replay.records) records.push(r);
    await replay.receipt;
    // The fraud topic's partition 1: snapshots after its 25th and 50th record, for the cards seen by then.
    const slice = plan.replay_basis.find((s) => s.topic === 'fp.bus.traffic.fraud.v1' && s.partition === 1)!;
    const online = createOnlineFeatures(resolvedDemoFeatureProfileV2());
    const seen = new Set<string>();
    const anchors: Record<string, unknown>[] = [];
    const at = new Set([25, 50]);
    let index = -1;
    let previousCard = '';
    for (const r of records) {
      if (r.topic === slice.topic && r.partition === slice.partition) {
        index++;
        if (at.has(index)) {
          const { snapshot, snapshot_hash } = online.snapshot({
            entity: 'card',
            key: previousCard,
            topic: slice.topic,
            partition: slice.partition,
          });
          anchors.push({
            snapshot_ref: `snap-${index}`,
            snapshot_hash,
            snapshot_recipe: 'ofs.feature_snapshot.v1',
            eb_offset_basis: {
              stream: slice.topic,
              offset_kind: slice.offset_kind,
              offsets: [{ partition: slice.partition, offset: r.offset }],
            },
            entity: snapshot.entity,
            features: snapshot.features,
          });
        }
        previousCard = (r.payload as { card_id: string }).card_id;
      }
      // Served once per event id, first occurrence in basis order (at-least-once redeliveries dropped).
      if (seen.has(r.event_id)) continue;
      seen.add(r.event_id);
      online.update(r);
    }
    return { anchors };
  } finally {
    await corridor.close();
  }
}

describe('ofs parity on the demo (fs store + PGlite)', async () => {
  const { dir: root, cleanup } = await tempDir();
  afterAll(cleanup);
  const dir = join(root, 'demo');

  it('reports MATCH for anchors the online face recorded, exactly the altered anchor MISMATCH, and UNCHECKABLE with why', {
    timeout: 300_000,
  }, async () => {
    const demo = await cli(['demo', '--dir', dir, '--events', '1500', '--json']);
    if (demo.code !== 0) console.error(demo.stderr);
    expect(demo.code).toBe(0);
    const build = JSON.parse(await readFile(join(dir, 'intents/build.json'), 'utf8')) as Record<string, unknown>;
    const run = build.platform_run_id as string;
    const { anchors } = await onlineAnchors(dir, build);
    expect(anchors).toHaveLength(2);

    const [first, second] = anchors as [Record<string, any>, Record<string, any>];
    // Altered: the online plane claims one feature value the rebuild does not give.
    const altered = { ...second, snapshot_ref: 'snap-altered', features: { ...second.features, card_txn_count_24h: 999 } };
    // Hash only, naming the recipe: compared by hash.
    const hashOnly = {
      snapshot_ref: 'snap-hash',
      snapshot_hash: first.snapshot_hash,
      snapshot_recipe: 'ofs.feature_snapshot.v1',
      eb_offset_basis: first.eb_offset_basis,
      entity: first.entity,
    };
    // Hash only, no recipe: nothing to recompute.
    const opaque = {
      snapshot_ref: 'snap-opaque',
      snapshot_hash: first.snapshot_hash,
      eb_offset_basis: first.eb_offset_basis,
      entity: first.entity,
    };
    const files: [string, unknown][] = [
      ['a-first.json', first],
      ['b-second.json', second],
      ['c-altered.json', altered],
      ['d-hash-only.json', hashOnly],
      ['e-opaque.json', opaque],
    ];
    const corridor = await createDefaultCorridor({ dir });
    const entries: { ref: string; sha256: string }[] = [];
    try {
      for (const [name, anchor] of files) {
        const key = `${run}/parity/anchors/${name}`;
        const bytes = utf8(canonicalJson(anchor));
        await corridor.store.putIfAbsent(key, bytes);
        entries.push({ ref: key, sha256: sha256Hex(bytes) });
      }
      await corridor.store.putIfAbsent(
        `${run}/parity/bundle-all.json`,
        utf8(canonicalJson({ schema_version: 'learning.ofs_parity_anchor_bundle.v1', anchors: entries })),
      );
      await corridor.store.putIfAbsent(
        `${run}/parity/bundle-good.json`,
        utf8(canonicalJson({ schema_version: 'learning.ofs_parity_anchor_bundle.v1', anchors: [entries[0], entries[1], entries[3]] })),
      );
    } finally {
      await corridor.close();
    }

    const intentFor = (requestId: string, ref: string) => ({
      ...build,
      request_id: requestId,
      intent_kind: 'parity_rebuild',
      parity_anchor_ref: ref,
    });
    await writeFile(
      join(dir, 'intents/parity-all.json'),
      JSON.stringify(intentFor('demo.parity.all.0001', `${run}/parity/bundle-all.json`)),
    );
    await writeFile(
      join(dir, 'intents/parity-good.json'),
      JSON.stringify(intentFor('demo.parity.good.0001', `${run}/parity/bundle-good.json`)),
    );

    const all = await cli(['parity', join(dir, 'intents/parity-all.json'), '--dir', dir, '--json']);
    if (all.code !== 1) console.error(all.stderr, all.stdout);
    expect(all.code).toBe(1);
    const out = all.json();
    expect(out.run).toMatchObject({ state: 'DONE', outcome: 'REPORTED', manifest_key: null });
    const report = out.report;
    expect(report.verdict).toBe('MISMATCH');
    expect(report.totals).toEqual({ anchors: 5, match: 3, mismatch: 1, uncheckable: 1 });
    const status = Object.fromEntries(report.anchors.map((a: any) => [a.anchor_ref.split('/').pop(), a.status]));
    expect(status).toEqual({
      'a-first.json': 'MATCH',
      'b-second.json': 'MATCH',
      'c-altered.json': 'MISMATCH',
      'd-hash-only.json': 'MATCH',
      'e-opaque.json': 'UNCHECKABLE',
    });
    const mismatch = report.anchors.find((a: any) => a.status === 'MISMATCH');
    expect(mismatch.differences).toEqual([{ feature: 'card_txn_count_24h', expected: 999, rebuilt: second.features.card_txn_count_24h }]);
    expect(report.anchors.find((a: any) => a.status === 'UNCHECKABLE').reason).toMatch(/names no snapshot recipe/);
    expect(report.anchors.find((a: any) => a.anchor_ref.endsWith('d-hash-only.json')).compared_by).toBe('snapshot_hash');
    const count24 = report.features.find((f: any) => f.feature === 'card_txn_count_24h');
    expect(count24).toMatchObject({ compared: 3, matches: 2, mismatches: 1, missing: 0, extra: 0, match_ratio: '0.666667' });
    // The report is write-once and digest-bound: its bytes hash to what the ledger recorded.
    const stored = await readFile(join(dir, 'store', out.report_key));
    expect(sha256Hex(stored)).toBe(out.report_sha256);
    expect(out.report_key).toMatch(new RegExp(`^${run}/ofs/parity/plan_[0-9a-f]{32}\\.json$`));
    expect(all.stdout).not.toContain('manifests/');

    const text = await cli(['parity', join(dir, 'intents/parity-all.json'), '--dir', dir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('card_txn_count_24h: expected 999');

    const good = await cli(['parity', join(dir, 'intents/parity-good.json'), '--dir', dir, '--json']);
    expect(good.code).toBe(0);
    expect(good.json().report).toMatchObject({ verdict: 'MATCH', totals: { anchors: 3, match: 3, mismatch: 0, uncheckable: 0 } });
  });
});
