import { describe, expect, it } from 'vitest';
import { compileProfile } from './compile-profile.js';
import { resolvedDemoFeatureProfile } from './demo-profile.js';
import { createOnlineFeatures } from './online.js';
import { compareAnchors } from './parity.js';

const profile = compileProfile(resolvedDemoFeatureProfile());

function rebuilt() {
  const online = createOnlineFeatures(profile);
  online.update({
    topic: 'fp.bus.traffic.fraud.v1',
    partition: 0,
    offset: '7',
    event_id: 'e7',
    ts_utc: '2026-11-02T10:00:00Z',
    payload: { card_id: 'c1', merchant_id: 'm1', amount: '12.50' },
  });
  return online.snapshot({ entity: 'card', key: 'c1' });
}

describe('compareAnchors', () => {
  it('compares by features, by hash under the named recipe, and says why an anchor is uncheckable', () => {
    const side = { rebuilt: rebuilt() };
    const { snapshot, snapshot_hash } = side.rebuilt;
    const entity = { name: 'card', key: 'c1' };
    const result = compareAnchors(
      [
        { claim: { anchor_ref: 'a', snapshot_hash, entity, features: { ...snapshot.features } }, side },
        { claim: { anchor_ref: 'b', snapshot_hash, entity, features: { card_txn_count_24h: 2, card_amount_sum_24h: '12.5' } }, side },
        { claim: { anchor_ref: 'c', snapshot_hash, entity, snapshot_recipe: 'ofs.feature_snapshot.v1' }, side },
        { claim: { anchor_ref: 'd', snapshot_hash: 'x'.repeat(64), entity, snapshot_recipe: 'ofs.feature_snapshot.v1' }, side },
        { claim: { anchor_ref: 'e', snapshot_hash, entity }, side },
        { claim: { anchor_ref: 'f', snapshot_hash, entity, features: { not_a_feature: 1 } }, side },
        {
          claim: { anchor_ref: 'g', snapshot_hash, entity, features: { card_txn_count_1h: 1 } },
          side: { uncheckable: 'basis not replayable: x' },
        },
      ],
      profile,
    );
    expect(result.verdicts.map((v) => [v.anchor_ref, v.status, v.compared_by])).toEqual([
      ['a', 'MATCH', 'features'],
      ['b', 'MISMATCH', 'features'],
      ['c', 'MATCH', 'snapshot_hash'],
      ['d', 'MISMATCH', 'snapshot_hash'],
      ['e', 'UNCHECKABLE', null],
      ['f', 'UNCHECKABLE', null],
      ['g', 'UNCHECKABLE', null],
    ]);
    const b = result.verdicts[1]!;
    expect(b.differences).toEqual([{ feature: 'card_txn_count_24h', expected: 2, rebuilt: 1 }]);
    expect(b.missing).toContain('card_txn_count_1h');
    expect(result.verdicts[4]!.reason).toMatch(/names no snapshot recipe/);
    expect(result.verdicts[5]!.extra).toEqual(['not_a_feature']);
    expect(result.verdicts[6]!.reason).toBe('basis not replayable: x');
    expect(result.totals).toEqual({ anchors: 7, match: 2, mismatch: 2, uncheckable: 3 });
    expect(result.verdict).toBe('MISMATCH');
    const count24 = result.features.find((f) => f.feature === 'card_txn_count_24h')!;
    expect(count24).toEqual({
      feature: 'card_txn_count_24h',
      compared: 2,
      matches: 1,
      mismatches: 1,
      missing: 0,
      extra: 0,
      match_ratio: '0.500000',
    });
    expect(result.features.find((f) => f.feature === 'not_a_feature')).toMatchObject({ extra: 1, compared: 0, match_ratio: null });
    expect(result.features.map((f) => f.feature)).toEqual([...result.features.map((f) => f.feature)].sort());
  });
});
