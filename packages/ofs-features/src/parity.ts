import type { ParityFeatureFigures, ParityVerdict } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import type { CompiledProfile } from './compile-profile.js';
import { FEATURE_SNAPSHOT_RECIPE, type SnapshotResult } from './snapshot.js';

/** What an anchor claims the online plane served (read from the anchor or the snapshot it references). */
export interface AnchorClaim {
  /** The store key of the anchor. */
  readonly anchor_ref: string;
  readonly anchor_id?: string;
  /** The snapshot hash the online plane recorded. */
  readonly snapshot_hash: string;
  /** The recipe the snapshot hash was computed with, when the anchor names one. */
  readonly snapshot_recipe?: string;
  /** The entity the snapshot is of. */
  readonly entity?: { readonly name: string; readonly key: unknown };
  /** The feature values served, by feature name. */
  readonly features?: Readonly<Record<string, unknown>>;
}

/** The rebuilt side of one anchor: a snapshot at the anchor's position, or why none could be made. */
export type RebuiltSide = { readonly rebuilt: SnapshotResult } | { readonly uncheckable: string };

/** The comparison of many anchors: verdicts in input order, totals and per-feature figures. */
export interface ParityComparison {
  readonly verdicts: ParityVerdict[];
  readonly totals: { anchors: number; match: number; mismatch: number; uncheckable: number };
  /** Per feature (sorted by name): compared, matches, mismatches, missing, extra, match ratio. */
  readonly features: ParityFeatureFigures[];
  /** `MISMATCH` if any anchor mismatches, else `UNCHECKABLE` if any is uncheckable, else `MATCH`. */
  readonly verdict: 'MATCH' | 'MISMATCH' | 'UNCHECKABLE';
}

/**
 * Compares what anchors claim with what the feature engine rebuilt (docs/decisions.md D55):
 * an anchor with an entity and feature values is compared feature by feature (values equal when
 * their canonical JSON is equal) → `MATCH`, or `MISMATCH` with every differing feature (expected
 * vs rebuilt); an anchor with only a `snapshot_hash` is compared by hash when it names the
 * `ofs.feature_snapshot.v1` recipe and its entity; anything else is `UNCHECKABLE` with why
 * (no recipe, an unknown recipe, a feature the profile does not define, a basis that was not
 * replayable…). Pure and deterministic.
 */
export function compareAnchors(
  items: readonly { readonly claim: AnchorClaim; readonly side: RebuiltSide }[],
  profile: CompiledProfile,
): ParityComparison {
  const figures = new Map<string, { compared: number; matches: number; mismatches: number; missing: number; extra: number }>();
  const figure = (name: string) => {
    let f = figures.get(name);
    if (!f) figures.set(name, (f = { compared: 0, matches: 0, mismatches: 0, missing: 0, extra: 0 }));
    return f;
  };
  const verdicts = items.map(({ claim, side }) => compareOne(claim, side, profile, figure));
  const totals = { anchors: verdicts.length, match: 0, mismatch: 0, uncheckable: 0 };
  for (const v of verdicts) {
    if (v.status === 'MATCH') totals.match++;
    else if (v.status === 'MISMATCH') totals.mismatch++;
    else totals.uncheckable++;
  }
  const features = [...figures.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([feature, f]) => ({ feature, ...f, match_ratio: f.compared === 0 ? null : ratio(f.matches, f.compared) }));
  const verdict = totals.mismatch > 0 ? 'MISMATCH' : totals.uncheckable > 0 ? 'UNCHECKABLE' : 'MATCH';
  return { verdicts, totals, features, verdict };
}

type Figure = { compared: number; matches: number; mismatches: number; missing: number; extra: number };

function compareOne(claim: AnchorClaim, side: RebuiltSide, profile: CompiledProfile, figure: (name: string) => Figure): ParityVerdict {
  const base = {
    anchor_ref: claim.anchor_ref,
    ...(claim.anchor_id === undefined ? {} : { anchor_id: claim.anchor_id }),
    ...(claim.entity === undefined ? {} : { entity: { name: claim.entity.name, key: claim.entity.key } }),
    expected_snapshot_hash: claim.snapshot_hash,
    differences: [] as ParityVerdict['differences'],
    missing: [] as string[],
    extra: [] as string[],
  };
  const uncheckable = (reason: string, extra: string[] = []): ParityVerdict => ({
    ...base,
    status: 'UNCHECKABLE',
    compared_by: null,
    reason,
    extra,
  });
  const hasFeatures = claim.features !== undefined && Object.keys(claim.features).length > 0;
  if (!claim.entity) {
    return uncheckable(
      hasFeatures
        ? 'the anchor carries feature values but no entity (name and key)'
        : 'the anchor carries only a snapshot_hash, with no entity to rebuild a snapshot of',
    );
  }
  const entity = profile.entities.findIndex((e) => e.name === claim.entity?.name);
  if (entity < 0) return uncheckable(`entity ${claim.entity.name} is not declared in feature profile ${profile.ref}`);
  const defined = profile.windows.filter((w) => w.entity === entity).map((w) => w.name);
  if (hasFeatures) {
    const carried = Object.keys(claim.features as object).sort();
    const extra = carried.filter((name) => !defined.includes(name));
    for (const name of extra) figure(name).extra++;
    if (extra.length > 0)
      return uncheckable(`feature(s) ${extra.join(', ')} are not defined for entity ${claim.entity.name} in the profile`, extra);
  } else if (claim.snapshot_recipe === undefined) {
    return uncheckable('the anchor carries only a snapshot_hash and names no snapshot recipe, so the hash cannot be recomputed');
  } else if (claim.snapshot_recipe !== FEATURE_SNAPSHOT_RECIPE) {
    return uncheckable(
      `the anchor's snapshot recipe ${claim.snapshot_recipe} is not one this corridor computes (${FEATURE_SNAPSHOT_RECIPE})`,
    );
  }
  if ('uncheckable' in side) return uncheckable(side.uncheckable);
  const { snapshot, snapshot_hash } = side.rebuilt;
  const withPosition = {
    ...base,
    as_of: { topic: snapshot.as_of.topic, partition: snapshot.as_of.partition, next_offset: snapshot.as_of.next_offset },
    rebuilt_snapshot_hash: snapshot_hash,
  };
  if (!hasFeatures) {
    const same = snapshot_hash === claim.snapshot_hash;
    return { ...withPosition, status: same ? 'MATCH' : 'MISMATCH', compared_by: 'snapshot_hash' };
  }
  const expected = claim.features as Readonly<Record<string, unknown>>;
  const differences: ParityVerdict['differences'] = [];
  const missing: string[] = [];
  for (const name of [...defined].sort()) {
    if (!(name in expected)) {
      missing.push(name);
      figure(name).missing++;
      continue;
    }
    const f = figure(name);
    f.compared++;
    const rebuilt = snapshot.features[name] ?? null;
    if (canonicalJson(expected[name] ?? null) === canonicalJson(rebuilt)) f.matches++;
    else {
      f.mismatches++;
      differences.push({ feature: name, expected: expected[name] ?? null, rebuilt });
    }
  }
  return {
    ...withPosition,
    status: differences.length === 0 ? 'MATCH' : 'MISMATCH',
    compared_by: 'features',
    differences,
    missing,
  };
}

/** `n / d` as a decimal string with 6 places, rounded half to even. */
function ratio(n: number, d: number): string {
  const scaled = BigInt(n) * 1_000_000n;
  const D = BigInt(d);
  let q = scaled / D;
  const r = scaled % D;
  if (2n * r > D || (2n * r === D && (q & 1n) === 1n)) q += 1n;
  const text = q.toString().padStart(7, '0');
  return `${text.slice(0, -6)}.${text.slice(-6)}`;
}
